/**
 * The sync engine the app holds: wires storage, the ten stores, the event stream, the
 * reconnect check, the offline probe and the sync log together (contract section 5).
 */
import type { DexieOptions } from 'dexie';
import type { HeartbeatEvent, HelloEvent, SyncStatus } from '../shared/protocol';
import { RESOURCE_NAMES, type ResourceName } from '../shared/resources';
import { createApi } from './api';
import { createBackoff } from './backoff';
import { createConnection } from './connection';
import { DEFAULT_DB_NAME } from './db';
import {
  type EventSourceConstructor,
  type EventStream,
  joinEventStream,
  type StreamSignal,
} from './eventStream';
import { createOutboxService } from './outboxService';
import { browserLifecycle, type PageLifecycle } from './pageLifecycle';
import {
  createPersistenceStore,
  type PersistenceApi,
  persistenceLogMessage,
  requestPersistence,
} from './persistence';
import { checkAndRepair, serializeChecks } from './reconnect';
import { createRegistry } from './registry';
import type { ResourceController } from './resourceStore';
import { handleSignal, type SignalTargets } from './signals';
import { createStorage } from './storage';
import { createSyncLog } from './syncLog';
import type { ResourceDiagnostics, SyncEngine } from './types';

export interface SyncEngineOptions {
  /** Server origin; '' (default) is the page's own origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Bearer token for Node clients; the browser uses the session cookie. */
  getToken?: () => string | null;
  /** IndexedDB database name, and prefix of the tab-coordination lock and channel. */
  dbName?: string;
  /** Defaults to `globalThis.EventSource`; Node passes the `eventsource` package's class. */
  EventSource?: EventSourceConstructor;
  /** Types loaded at start (default all ten); others load when the app calls `fetchAll`. */
  resources?: ResourceName[];
  /** How often to probe `/api/health` while offline (ms, default 5000). */
  probeIntervalMs?: number;
  /** IndexedDB implementation (tests pass fake-indexeddb's). */
  indexedDB?: IDBFactory;
  IDBKeyRange?: typeof IDBKeyRange;
  /** Web Locks; null turns tab coordination off. Defaults to `navigator.locks`. */
  locks?: Pick<LockManager, 'request'> | null;
  /** Defaults to `globalThis.BroadcastChannel`; only used together with locks. */
  BroadcastChannel?: typeof BroadcastChannel | null;
  /** The tab's freeze / resume; defaults to the page's (pageLifecycle.ts), none in Node. */
  lifecycle?: PageLifecycle | null;
  /** Where to ask for persistent storage; defaults to `navigator.storage` (persistence.ts). */
  storageManager?: PersistenceApi | null;
  /**
   * A stream silent this long is reopened (ms, default 45000: three missed heartbeats of the
   * contract's 15 s). A hello that names the server's `heartbeatMs` replaces it with three
   * of those intervals, never under 2 s (eventStream.ts, `staleAfterFor`).
   */
  staleStreamMs?: number;
  /** How long remotely changed ids stay highlighted (ms, default 2000). */
  highlightMs?: number;
  logCapacity?: number;
  /** Backoff of the outbox sender after a transient failure (ms, by consecutive failures). */
  outboxRetryDelaysMs?: number[];
}

export function createSyncEngine(options: SyncEngineOptions = {}): SyncEngine {
  const name = options.dbName ?? DEFAULT_DB_NAME;
  const api = createApi(options);
  const log = createSyncLog(options.logCapacity);
  const g = globalThis as { navigator?: Navigator; EventSource?: EventSourceConstructor };
  const dexie: DexieOptions = {};
  if (options.indexedDB) dexie.indexedDB = options.indexedDB;
  if (options.IDBKeyRange) dexie.IDBKeyRange = options.IDBKeyRange;
  const configured = options.resources ?? [...RESOURCE_NAMES];
  let status: SyncStatus | null = null;
  let stream: EventStream | null = null;
  let started = false;
  const persistence = createPersistenceStore();
  const lifecycle = options.lifecycle !== undefined ? options.lifecycle : browserLifecycle();
  let unwatchLifecycle: (() => void) | null = null;
  /** Frozen (or about to be): start no sync work, so no IndexedDB transaction (pageLifecycle.ts). */
  let suspended = false;

  const connection = createConnection({
    probeIntervalMs: options.probeIntervalMs ?? 5000,
    health: () => api.health(),
    async onReachable(first) {
      stream?.reconnectIfClosed();
      if (first) await checks.check('probe: server reachable again');
    },
  });
  const storage = createStorage({
    name,
    dexie,
    log,
    // Refill a reopened database from the server; offline, store what memory holds.
    reload: async (why) => {
      const loaded = registry.getLoadedControllers();
      await Promise.allSettled(
        loaded.map((c) => c.reload('full_refresh', why).catch(() => c.persistMemory())),
      );
    },
  });
  const channelClass =
    options.BroadcastChannel !== undefined ? options.BroadcastChannel : (globalThis.BroadcastChannel ?? null);
  const outbox = createOutboxService({
    name,
    db: () => storage.db(),
    api,
    log,
    // Other tabs only learn of queued writes where tabs coordinate at all.
    BroadcastChannel: options.locks === null ? null : channelClass,
    isLeader: () => connection.store.getState().isLeader,
    controller: (resource) => registry.get(resource),
    retryDelaysMs: options.outboxRetryDelaysMs,
  });
  const registry = createRegistry({
    api,
    log,
    outbox: outbox.link,
    db: () => storage.db(),
    requestCheck: (reason) => void checks.check(reason),
    onStorageError: (resource, error) => storage.failed(resource, error),
    isLive: () => connection.phase() === 'open',
    highlightMs: options.highlightMs,
  });

  /** Configured types plus any the app loaded on demand. */
  const active = (): ResourceController[] =>
    RESOURCE_NAMES.filter((r) => configured.includes(r) || registry.stores[r].getState().isLoaded).map((r) =>
      registry.get(r),
    );

  const checks = serializeChecks((reason) => {
    if (!started || suspended) return Promise.resolve();
    return connection.busyWhile(async () => {
      const onStatus = (s: SyncStatus) => {
        status = s;
        connection.store.setState({ epoch: s.epoch });
      };
      const outcome = await checkAndRepair(
        {
          api,
          log,
          controllers: active,
          onStatus,
          refreshAllLoaded: (why) => registry.refreshAllLoadedStores(why),
        },
        reason,
      );
      if (outcome === 'ok') await confirmSynced();
      // The server answers: reopen a stream the browser gave up on rather than wait for the probe.
      if (outcome === 'ok') stream?.reconnectIfClosed();
      // The server answers: replay what was queued meanwhile (network back, SW message, start).
      if (outcome === 'ok') void outbox.controls.flush(`check ok (${reason})`);
      connection.checked(outcome !== 'offline');
      if (outcome !== 'offline') recheck.reset();
      else if (connection.phase() !== 'open') connection.setPhase('closed');
      // The stream is open but the status could not be read: try again soon rather than at the
      // next heartbeat, and read "Syncing" meanwhile, not "Online" over unverified data.
      else recheck.schedule(() => void checks.check('retry: the last check could not reach the server'));
    });
  });
  const recheck = createBackoff({ baseMs: 1_000, capMs: 30_000 });

  /** After pending events are applied: does the server's summary differ from what we hold? */
  async function differs(summary: HelloEvent | HeartbeatEvent): Promise<boolean> {
    await checks.running();
    const controllers = active();
    await Promise.all(controllers.map((c) => c.idle()));
    return controllers.some((c) => {
      const s = c.store.getState();
      return !s.isLoaded || s.epoch !== summary.epoch || s.checkVersion(summary.versions[c.resource]);
    });
  }

  const signalTargets: SignalTargets = {
    connection,
    log,
    check: (reason) => void checks.check(reason),
    applySync: (event) => registry.get(event.resource).store.getState().applySync(event),
    differs,
  };

  function onSignal(signal: StreamSignal): void {
    // A frozen tab may still be handed relayed signals before it stops; resuming catches up.
    if (started && !suspended) handleSignal(signal, signalTargets);
  }

  function joinStream(): void {
    const EventSourceClass = options.EventSource ?? g.EventSource;
    const token = options.getToken;
    const streamFetch = options.fetch ?? globalThis.fetch;
    stream = joinEventStream({
      url: api.eventsUrl(),
      EventSource: EventSourceClass,
      // Node clients sign the stream with the bearer token; browsers send the cookie.
      init: token
        ? {
            fetch: (url, init) =>
              streamFetch(url, {
                ...init,
                headers: { ...init.headers, authorization: `Bearer ${token() ?? ''}` },
              }),
          }
        : undefined,
      name,
      locks: options.locks !== undefined ? options.locks : (g.navigator?.locks ?? null),
      BroadcastChannel: channelClass,
      lifecycle,
      staleAfterMs: options.staleStreamMs ?? 45_000,
      onSignal,
      onLeader: (isLeader) => {
        connection.store.setState({ isLeader });
        if (!isLeader) return;
        log.add({ kind: 'leader', message: 'this tab holds the event stream and sends the outbox' });
        void outbox.controls.flush('this tab became the leader');
      },
      onFault: (message) => log.add({ kind: 'fault', message }),
    });
    if (!EventSourceClass) {
      log.add({ kind: 'fault', message: 'no EventSource here: syncing by probe only' });
      connection.setPhase('closed');
    }
  }

  /** The server vouched for every type: remember when, also across restarts. */
  async function confirmSynced(): Promise<void> {
    const at = Date.now();
    connection.synced(at);
    await storage
      .db()
      ?.sync_meta.toCollection()
      .modify({ syncedAt: at })
      .catch(() => undefined);
  }

  /** The newest time the server confirmed any stored type, so offline screens can show the data's age. */
  async function storedSyncTime(): Promise<number> {
    const rows =
      (await storage
        .db()
        ?.sync_meta.toArray()
        .catch(() => [])) ?? [];
    return Math.max(0, ...rows.map((r) => r.syncedAt ?? 0));
  }

  return {
    stores: registry.stores,
    connection: connection.store,
    outbox: outbox.controls,
    log: log.store,
    persistence,
    async start() {
      if (started) return;
      started = true;
      connection.resume();
      await storage.open();
      // Queued writes first: hydrated stores show them over the stored server state.
      await outbox.start();
      const stored = await Promise.all(
        RESOURCE_NAMES.map((r) =>
          registry
            .get(r)
            .readStored()
            .catch(() => null),
        ),
      );
      // Every type shown in the same task: screens render once with all of it, not once per type.
      await Promise.all(
        RESOURCE_NAMES.map((r, i) => {
          const copy = stored[i];
          return copy
            ? registry
                .get(r)
                .hydrate(copy)
                .catch(() => undefined)
            : undefined;
        }),
      );
      // A frozen tab must hold no transaction open, nor start one; the stream lets go in eventStream.ts.
      unwatchLifecycle =
        lifecycle?.({
          onSuspend: () => {
            suspended = true;
            storage.suspend();
          },
          onResume: () => {
            suspended = false;
            storage.resume();
          },
        }) ?? null;
      const syncedAt = await storedSyncTime();
      if (syncedAt > 0) connection.synced(syncedAt);
      // Ask the browser not to evict the data this device needs offline. Never awaited:
      // Firefox asks the person, who may never answer; nothing depends on the answer.
      const manager = options.storageManager !== undefined ? options.storageManager : g.navigator?.storage;
      void requestPersistence(manager, persistence).then((answer) => {
        const message = persistenceLogMessage(answer);
        if (message && started) log.add({ kind: 'persistence', message });
      });
      // Listen first: events that arrive while snapshots load are buffered by the stores.
      joinStream();
      await checks.check('start');
    },
    async stop() {
      started = false;
      recheck.reset();
      unwatchLifecycle?.();
      unwatchLifecycle = null;
      stream?.stop();
      stream = null;
      connection.stop();
      await checks.running();
      await outbox.stop();
      await storage.settled();
      await Promise.all(RESOURCE_NAMES.map((r) => registry.get(r).idle()));
      registry.dispose();
      await log.flushed();
      storage.close();
    },
    check: (reason) => checks.check(reason),
    refreshAll: () =>
      connection.busyWhile(() => registry.refreshAllLoadedStores('reload everything requested')),
    lastStatus: () => status,
    diagnostics(): ResourceDiagnostics[] {
      return RESOURCE_NAMES.map((resource) => {
        const s = registry.stores[resource].getState();
        return {
          resource,
          localVersion: s.lastVersion,
          localDigest: s.digest,
          localCount: s.items.length,
          serverVersion: status?.versions[resource] ?? null,
          serverDigest: status?.digests[resource] ?? null,
          serverCount: status?.counts[resource] ?? null,
        };
      });
    },
    exportLog: () => log.exportJson(),
  };
}
