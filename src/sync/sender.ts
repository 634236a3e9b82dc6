/**
 * The one sender of the outbox: in the leader tab only, it replays entries one at a time
 * in `seq` order, each with the Idempotency-Key chosen when it was queued, so a replay
 * after a crash, a lost answer or a leader change applies nothing twice.
 *
 * - Network down, 401, 408, 429, 5xx: the entry goes back to `pending` and sending pauses
 *   (retried with backoff, and at once on the next trigger). Nothing is marked failed.
 * - 412: `conflict`; 400, 403, 404, 409, 413, 415: `failed`. The entry stops, its change is
 *   no longer shown (rolled back to the server's state), and later entries of the SAME item
 *   wait behind it until the person decides; entries of other items go on.
 */
import type { Item, ResourceName } from '../shared/resources';
import type { SyncApi } from './api';
import { errorInfo } from './errors';
import { itemKey, type Outbox } from './outbox';
import type { Acknowledged } from './overlay';
import { isQuotaError } from './storageFull';
import type { SyncLog } from './syncLog';
import type { OutboxControls, OutboxEntry, SyncErrorInfo } from './types';

export interface SenderOptions {
  outbox: Outbox;
  api: SyncApi;
  log: SyncLog;
  isLeader: () => boolean;
  /** Feeds the server's answer to the item's store. */
  acknowledge: (resource: ResourceName, answer: Acknowledged<ResourceName>) => Promise<void>;
  /** The item's version as the server last told this device (null: not there). */
  serverVersion: (resource: ResourceName, id: string) => number | null;
  /** Backoff after a transient failure, ms, by consecutive failures (the last repeats). */
  retryDelaysMs?: number[];
}

export type Sender = Omit<OutboxControls, 'store'> & { start(): void; stop(): void };

const DEFAULT_DELAYS = [1_000, 2_000, 5_000, 10_000, 30_000];

/** What an error means for the entry that got it. */
function verdict(info: SyncErrorInfo): 'transient' | 'conflict' | 'failed' {
  if (info.status === 412) return 'conflict';
  if (info.status === 0 || info.status === 401 || info.status === 408 || info.status === 429)
    return 'transient';
  return info.status >= 500 ? 'transient' : 'failed';
}

/** A short name for an entry in the log: `update “Soup” (#3)`. */
export const describeEntry = (e: OutboxEntry) =>
  `${e.action} ${e.itemName ? `“${e.itemName}”` : e.itemId} (#${e.seq})`;

export function createSender(options: SenderOptions): Sender {
  const { outbox, api, log } = options;
  const delays = options.retryDelaysMs ?? DEFAULT_DELAYS;
  let running: Promise<void> | null = null;
  let again = false;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  /** The next entry to send: the first shown one whose item has no stopped entry before it. */
  function next(): OutboxEntry | undefined {
    const stoppedItems = new Set<string>();
    for (const e of outbox.entries()) {
      if (e.state === 'conflict' || e.state === 'failed') stoppedItems.add(itemKey(e));
      else if (!stoppedItems.has(itemKey(e))) return e;
    }
    return undefined;
  }

  async function send(e: OutboxEntry): Promise<Acknowledged<ResourceName>> {
    const opts = { idempotencyKey: e.idempotencyKey, ifMatch: e.baseVersion };
    const fields = e.fields ?? {};
    if (e.action === 'delete') {
      const { body } = await api.remove(e.resource, e.itemId, opts);
      return { seq: e.seq, action: 'deleted', id: body.id, version: body.version, data: null };
    }
    const { body } =
      e.action === 'create'
        ? await api.create(e.resource, { ...fields, id: e.itemId }, { ...opts, ifMatch: null })
        : await api.update(e.resource, e.itemId, fields, opts);
    const item = body as Item;
    return {
      seq: e.seq,
      action: e.action === 'create' ? 'created' : 'updated',
      id: item.id,
      version: item.version,
      data: item,
    };
  }

  function scheduleRetry(): void {
    if (timer || stopped) return;
    const delay = delays[Math.min(failures, delays.length) - 1] ?? delays[0] ?? 1_000;
    timer = setTimeout(() => {
      timer = null;
      void flush('retry after a pause');
    }, delay);
    (timer as { unref?: () => void }).unref?.();
  }

  /** Sends until the outbox is empty, blocked, or the server cannot be reached. */
  async function drain(): Promise<void> {
    for (let entry = next(); entry && options.isLeader() && !stopped; entry = next()) {
      await outbox.patch(entry.seq, { state: 'sending', attempts: entry.attempts + 1 });
      let answer: Acknowledged<ResourceName>;
      try {
        answer = await send(entry);
      } catch (error) {
        const info = errorInfo(error);
        const outcome = verdict(info);
        if (outcome === 'transient') {
          failures++;
          await outbox.patch(entry.seq, { state: 'pending', lastError: info });
          outbox.store.setState({ paused: info });
          log.add({
            resource: entry.resource,
            kind: 'write_failed',
            message: `${describeEntry(entry)}: ${info.message}; will retry`,
          });
          return scheduleRetry();
        }
        await outbox.patch(entry.seq, { state: outcome, lastError: info });
        log.add({
          resource: entry.resource,
          kind: outcome === 'conflict' ? 'write_conflict' : 'write_failed',
          message: `${describeEntry(entry)} refused: ${info.code} (${info.message}); rolled back, waiting for a decision`,
        });
        outbox.settle(entry.seq, { ok: false, error: info });
        continue;
      }
      failures = 0;
      outbox.store.setState({ paused: null });
      // Shown and the writer told at once; the entry's removal is durable before the next goes out.
      await options.acknowledge(entry.resource, answer);
      log.add({
        resource: entry.resource,
        kind: 'write',
        message: `${describeEntry(entry)} sent as v${answer.version}${entry.attempts > 0 ? ` after ${entry.attempts + 1} attempts` : ''}`,
        version: answer.version,
      });
      outbox.settle(entry.seq, { ok: true, value: answer.data });
      await outbox.complete(entry.seq, answer.version);
    }
  }

  function flush(_reason: string): Promise<void> {
    if (!options.isLeader() || stopped) return Promise.resolve();
    if (timer) clearTimeout(timer);
    timer = null;
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await drain().catch((error: unknown) => {
          // The outbox table itself refused (storage full, database reopening): the entries are
          // as they were, so try again later rather than wait for an unrelated trigger.
          const why = isQuotaError(error) ? "this device's storage is full" : errorInfo(error).message;
          log.add({ kind: 'fault', message: `sending the outbox failed: ${why}; will retry` });
          failures++;
          scheduleRetry();
        });
      } while (again && !stopped && !timer);
    })().finally(() => {
      running = null;
    });
    return running;
  }

  /** Changes a stopped entry and sends again. */
  async function resume(seq: number, changes: Partial<OutboxEntry>, what: string): Promise<void> {
    const entry = outbox.get(seq);
    if (!entry) return;
    await outbox.patch(seq, { state: 'pending', lastError: null, ...changes });
    log.add({ resource: entry.resource, kind: 'write_retried', message: `${describeEntry(entry)}: ${what}` });
    await flush(what);
  }

  return {
    flush,
    retry: (seq) => resume(seq, {}, 'retry as it was'),
    applyMine(seq) {
      const entry = outbox.get(seq);
      if (!entry) return Promise.resolve();
      const details = entry.lastError?.details as { currentVersion?: unknown } | undefined;
      const told = typeof details?.currentVersion === 'number' ? details.currentVersion : null;
      const held = options.serverVersion(entry.resource, entry.itemId);
      const base = Math.max(told ?? 0, held ?? 0) || null;
      return resume(seq, { baseVersion: base }, `apply mine on top of v${base ?? '—'}`);
    },
    async discard(seq, why = 'discarded by the person') {
      const entry = outbox.get(seq);
      if (!entry) return;
      await outbox.remove(seq);
      log.add({
        resource: entry.resource,
        kind: 'write_discarded',
        message: `${describeEntry(entry)}: ${why}`,
      });
      outbox.settle(seq, {
        ok: false,
        error: { code: 'discarded', status: 0, message: 'The change was discarded.' },
      });
      // Entries of the same item waited behind it.
      await flush('an entry was discarded');
    },
    idle: async () => {
      while (running) await running;
    },
    start() {
      stopped = false;
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
