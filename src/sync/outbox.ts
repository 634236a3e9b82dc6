/**
 * The outbox of offline-first writes: the `outbox` table, its copy in memory (observable;
 * the stores lay it over the server's items, see overlay.ts), the promises callers wait
 * on, and the BroadcastChannel that keeps every tab's copy current. IndexedDB is the
 * source of truth; sending is sender.ts's job, in the leader tab only.
 */
import { createStore } from 'zustand/vanilla';
import { newId } from '../shared/ids';
import type { ResourceName } from '../shared/resources';
import type { OutboxRow, SyncDatabase } from './db';
import { SyncError } from './errors';
import { isQuotaError, storageFullError } from './storageFull';
import type { OutboxAction, OutboxControls, OutboxEntry, SyncErrorInfo } from './types';

/** What a write asks the outbox to keep. */
export interface NewEntry {
  resource: ResourceName;
  action: OutboxAction;
  itemId: string;
  itemName: string | null;
  fields: Record<string, unknown> | null;
  /** Omitted: the version of the item as the server last told this device, read in the same transaction. */
  baseVersion?: number | null;
  /** Omitted: a fresh UUID, chosen once here. */
  idempotencyKey?: string;
}

/** How the server settled an entry, as waiters (in any tab) learn it. */
export type Settlement = { ok: true; value: unknown } | { ok: false; error: SyncErrorInfo };

type ChannelMessage = { type: 'changed' } | { type: 'settled'; seq: number; settlement: Settlement };

export interface OutboxOptions {
  db: () => SyncDatabase | null;
  /** Prefix of the BroadcastChannel: `red-coral` gives `red-coral-outbox`. */
  name: string;
  BroadcastChannel: typeof BroadcastChannel | null;
  /** Another tab queued or changed entries (the leader then sends them). */
  onRemoteChange: () => void;
  now?: () => number;
}

export interface Outbox {
  store: OutboxControls['store'];
  entries(): OutboxEntry[];
  get(seq: number): OutboxEntry | undefined;
  /** Joins the other tabs and reads the table into memory (engine start). */
  open(): Promise<void>;
  /** Reads the table into memory (another tab changed it). */
  load(): Promise<void>;
  /** Queues a write; rejects with a `storage_full` or `storage_error` SyncError when IndexedDB refuses it. */
  add(entry: NewEntry): Promise<OutboxEntry>;
  patch(seq: number, changes: Partial<Omit<OutboxEntry, 'seq'>>): Promise<void>;
  /**
   * The server applied the entry at `version`: remove it, and move later entries of the
   * same item that were based on the state it changed to that version (they were made on
   * top of it), in one transaction.
   */
  complete(seq: number, version: number): Promise<void>;
  remove(seq: number): Promise<void>;
  /** The promise a writer waits on; settled by `settle` here or in the leader tab. */
  wait(seq: number): Promise<unknown>;
  settle(seq: number, settlement: Settlement): void;
  close(): void;
}

/** Entries of one item share a key: they are sent in order, and stop together. */
export const itemKey = (e: Pick<OutboxEntry, 'resource' | 'itemId'>) => `${e.resource}/${e.itemId}`;

export function createOutbox(options: OutboxOptions): Outbox {
  const now = options.now ?? Date.now;
  const store = createStore<ReturnType<OutboxControls['store']['getState']>>(() => ({
    entries: [],
    paused: null,
  }));
  const waiters = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  /** Without IndexedDB (memory-only storage) entries live here and die with the tab. */
  let memorySeq = 0;
  let closed = true;
  let channel: BroadcastChannel | null = null;

  const entries = () => store.getState().entries;
  const setEntries = (list: OutboxEntry[]) => store.setState({ entries: list.sort((a, b) => a.seq - b.seq) });

  function onMessage(event: MessageEvent<ChannelMessage>): void {
    const message = event.data;
    if (message.type === 'settled') {
      settleHere(message.seq, message.settlement);
      return;
    }
    void load()
      .then(() => options.onRemoteChange())
      .catch(() => undefined);
  }

  let loading: Promise<void> = Promise.resolve();
  /** Reads the table; reads run one after another, so an older read never lands last. */
  function load(): Promise<void> {
    loading = loading
      .catch(() => undefined)
      .then(async () => {
        const db = options.db();
        if (!db || closed) return;
        const rows = await db.outbox.toArray();
        setEntries(rows.filter((r): r is OutboxEntry => r.seq !== undefined));
      });
    return loading;
  }

  /** Runs one change in IndexedDB (then reloads and tells the other tabs), or in memory. */
  async function write(
    inDb: (db: SyncDatabase) => Promise<void>,
    inMemory: (list: OutboxEntry[]) => OutboxEntry[],
  ): Promise<void> {
    const db = options.db();
    if (!db) return setEntries(inMemory([...entries()]));
    await db.transaction('rw', db.outbox, () => inDb(db));
    await load();
    channel?.postMessage({ type: 'changed' } satisfies ChannelMessage);
  }

  function settleHere(seq: number, settlement: Settlement): void {
    const waiter = waiters.get(seq);
    if (!waiter) return;
    waiters.delete(seq);
    if (settlement.ok) waiter.resolve(settlement.value);
    else waiter.reject(new SyncError(settlement.error));
  }

  async function add(input: NewEntry): Promise<OutboxEntry> {
    const row: OutboxRow = {
      resource: input.resource,
      action: input.action,
      itemId: input.itemId,
      itemName: input.itemName,
      fields: input.fields,
      baseVersion: input.baseVersion ?? null,
      idempotencyKey: input.idempotencyKey ?? newId(),
      state: 'pending',
      attempts: 0,
      lastError: null,
      createdAt: now(),
    };
    const db = options.db();
    if (!db) {
      const entry: OutboxEntry = { ...row, seq: ++memorySeq };
      setEntries([...entries(), entry]);
      return entry;
    }
    const items = db.items(input.resource);
    let seq: number;
    try {
      // The base version and the entry in one transaction: the change is based on exactly
      // the server state this device held when it was queued.
      seq = await db.transaction('rw', db.outbox, items, async () => {
        if (input.baseVersion === undefined)
          row.baseVersion = (await items.get(input.itemId))?.version ?? null;
        return db.outbox.add(row);
      });
    } catch (error) {
      // Refused, never half-kept: the caller still holds the change and says so (the form keeps the input).
      if (isQuotaError(error))
        throw new SyncError(
          storageFullError("This device's storage is full, so the change was not saved on this device."),
        );
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new SyncError({
        code: 'storage_error',
        status: 0,
        message: `The change was not saved (${message}).`,
      });
    }
    await load();
    channel?.postMessage({ type: 'changed' } satisfies ChannelMessage);
    return { ...row, seq };
  }

  return {
    store,
    entries,
    get: (seq) => entries().find((e) => e.seq === seq),
    async open() {
      closed = false;
      if (options.BroadcastChannel && !channel) {
        channel = new options.BroadcastChannel(`${options.name}-outbox`);
        channel.addEventListener('message', onMessage);
      }
      await load();
    },
    load,
    add,
    patch: (seq, changes) =>
      write(
        async (db) => {
          await db.outbox.update(seq, changes);
        },
        (list) => list.map((e) => (e.seq === seq ? { ...e, ...changes } : e)),
      ),
    complete(seq, version) {
      const done = entries().find((e) => e.seq === seq);
      // A later change made on top of this one: it now stands on the version this one made.
      const rebased = (e: OutboxEntry) =>
        done !== undefined &&
        done.action !== 'delete' &&
        e.action !== 'create' &&
        e.seq > seq &&
        itemKey(e) === itemKey(done) &&
        e.baseVersion === done.baseVersion;
      return write(
        async (db) => {
          await db.outbox.delete(seq);
          const later = (await db.outbox.toArray()).filter((e): e is OutboxEntry => e.seq !== undefined);
          for (const e of later.filter(rebased)) await db.outbox.update(e.seq, { baseVersion: version });
        },
        (list) =>
          list.filter((e) => e.seq !== seq).map((e) => (rebased(e) ? { ...e, baseVersion: version } : e)),
      );
    },
    remove: (seq) =>
      write(
        async (db) => {
          await db.outbox.delete(seq);
        },
        (list) => list.filter((e) => e.seq !== seq),
      ),
    wait: (seq) =>
      new Promise((resolve, reject) => {
        waiters.set(seq, { resolve, reject });
      }),
    settle(seq, settlement) {
      settleHere(seq, settlement);
      channel?.postMessage({ type: 'settled', seq, settlement } satisfies ChannelMessage);
    },
    close() {
      closed = true;
      channel?.close();
      channel = null;
    },
  };
}
