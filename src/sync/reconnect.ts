/**
 * The reconnect check (contract section 5), free of any UI framework: read the server's
 * status, then bring every loaded type to it by the cheapest sound means — nothing, a
 * catch-up, adopting a new epoch on an equal digest, or a reload of that type only.
 * Also the browser signals that should run it (network back, tab visible, SW message).
 */
import type { SyncStatus } from '../shared/protocol';
import { isNetworkBackMessage } from '../shared/workerMessages';
import type { SyncApi } from './api';
import { errorInfo } from './errors';
import type { ResourceController } from './resourceStore';
import { isStorageCode } from './storageFull';
import type { SyncLog } from './syncLog';

export interface CheckContext {
  api: SyncApi;
  log: SyncLog;
  /** The types to bring up to date: the configured ones and any the app loaded since. */
  controllers: () => ResourceController[];
  onStatus: (status: SyncStatus) => void;
  /** The fallback of a failed check: reload every loaded type from a snapshot (registry.ts). */
  refreshAllLoaded: (why: string) => Promise<void>;
}

/** How a check ended: `offline` when the server could not be reached. */
export type CheckOutcome = 'ok' | 'offline' | 'failed';

export async function checkAndRepair(ctx: CheckContext, reason: string): Promise<CheckOutcome> {
  const controllers = ctx.controllers();
  // Versions before the status request: events applied meanwhile may legitimately pass it.
  const before = new Map(controllers.map((c) => [c.resource, c.store.getState().lastVersion]));
  let status: SyncStatus;
  try {
    const { body, bytes } = await ctx.api.status();
    status = body;
    ctx.log.add({
      kind: 'check',
      message: `${reason}: status read (epoch ${body.epoch.slice(0, 8)})`,
      bytes,
    });
  } catch (error) {
    const info = errorInfo(error);
    ctx.log.add({ kind: 'check', message: `${reason}: status unavailable (${info.message})` });
    if (info.code === 'network_error') return 'offline';
    await ctx.refreshAllLoaded(`status failed (${info.code})`);
    return 'failed';
  }
  ctx.onStatus(status);

  const oldEpochs = new Set(controllers.map((c) => c.store.getState().epoch).filter((e) => e !== null));
  oldEpochs.delete(status.epoch);
  if (oldEpochs.size > 0)
    ctx.log.add({
      kind: 'epoch_changed',
      message: `server epoch ${[...oldEpochs].map((e) => e.slice(0, 8)).join(', ')} → ${status.epoch.slice(0, 8)}: verifying digests`,
    });

  const results = await Promise.allSettled(
    controllers.map((c) =>
      c.verify({
        epoch: status.epoch,
        version: status.versions[c.resource],
        digest: status.digests[c.resource],
        versionBefore: before.get(c.resource) ?? 0,
      }),
    ),
  );
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [errorInfo(r.reason)] : []));
  if (failures.length === 0) return 'ok';
  if (failures.every((f) => f.code === 'network_error')) return 'offline';
  // Signed out, or this device's storage refused the result: a full refresh would fail the
  // same way (the app asks for a PIN; a full disk is retried by the next heartbeat or event).
  if (
    failures.every((f) => f.code === 'not_signed_in' || f.code === 'network_error' || isStorageCode(f.code))
  )
    return 'failed';
  await ctx.refreshAllLoaded(`check failed (${failures.map((f) => f.code).join(', ')})`);
  return 'failed';
}

export interface CheckRunner {
  check(reason: string): Promise<void>;
  /** The check running now, if any. */
  running(): Promise<void> | null;
}

/**
 * Never two checks at once: a check asked for while one runs is run once more after it
 * (however many asked), since the running one may have read the status too early.
 */
export function serializeChecks(run: (reason: string) => Promise<void>): CheckRunner {
  let current: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  function check(reason: string): Promise<void> {
    if (!current) {
      current = run(reason).finally(() => {
        current = null;
      });
      return current;
    }
    next ??= current.then(() => {
      next = null;
      return check(`${reason} (queued)`);
    });
    return next;
  }
  return { check, running: () => current };
}

/** The browser's window, document and service worker, as far as the signals need them. */
export interface SignalSources {
  window?: Pick<Window, 'addEventListener' | 'removeEventListener'>;
  document?: Pick<Document, 'addEventListener' | 'removeEventListener' | 'visibilityState'>;
  serviceWorker?: Pick<ServiceWorkerContainer, 'addEventListener' | 'removeEventListener'>;
}

function browserSources(): SignalSources {
  const g = globalThis as { window?: Window; document?: Document; navigator?: Navigator };
  return { window: g.window, document: g.document, serviceWorker: g.navigator?.serviceWorker };
}

/**
 * Runs `check` when the network comes back, the tab becomes visible again, or the service
 * worker reports that API requests succeed again. Returns the unsubscribe function.
 */
export function watchReconnectSignals(
  check: (reason: string) => void,
  sources: SignalSources = browserSources(),
): () => void {
  const onOnline = () => check('network back (online event)');
  const onVisible = () => {
    if (sources.document?.visibilityState === 'visible') check('tab visible again');
  };
  const onMessage = (event: MessageEvent) => {
    if (isNetworkBackMessage(event.data)) check('service worker: network back');
  };
  sources.window?.addEventListener('online', onOnline);
  sources.document?.addEventListener('visibilitychange', onVisible);
  sources.serviceWorker?.addEventListener('message', onMessage);
  return () => {
    sources.window?.removeEventListener('online', onOnline);
    sources.document?.removeEventListener('visibilitychange', onVisible);
    sources.serviceWorker?.removeEventListener('message', onMessage);
  };
}
