/**
 * One resource type's store: a Zustand store over the type's IndexedDB table. Everything
 * that changes the local copy runs one at a time under the store's lock: the rules
 * (rules.ts) decide and return a Plan, which `carryOut` does here, in one place: the
 * Draft is written in one transaction, and only then reaches memory.
 */
import { createStore } from 'zustand/vanilla';
import { EMPTY_DIGEST } from '../shared/digest';
import type { SyncEvent } from '../shared/protocol';
import type { Item, ResourceName } from '../shared/resources';
import type { SyncApi } from './api';
import { clearType, commitType, readType, type StoredType, type SyncDatabase } from './db';
import { Draft, digestOfItems, type LocalCopy, storedCopyOf } from './draft';
import { errorInfo, SyncError } from './errors';
import { createHighlighter } from './highlight';
import { type Acknowledged, Layers, pendingIds } from './overlay';
import {
  adoptSnapshot,
  applyBatch,
  type Incoming,
  type LogLine,
  type Plan,
  type ReloadKind,
  type RuleReads,
  type VerifyTarget,
  verify,
} from './rules';
import { createFullTracker, isQuotaError, isStorageCode, unsavedWork } from './storageFull';
import type { SyncLog } from './syncLog';
import type { ResourceActions, ResourceState, ResourceStore, SyncErrorInfo } from './types';
import { createWriteActions, type OutboxLink } from './writes';

export type { ReloadKind, VerifyTarget } from './rules';

export interface ResourceStoreDeps {
  api: SyncApi;
  /** The open database, or null while storage is unusable (memory-only). */
  db: () => SyncDatabase | null;
  log: SyncLog;
  /** Asks the engine for a reconnect check (another epoch was seen). */
  requestCheck: (reason: string) => void;
  /** IndexedDB refused a write: the engine reopens it and reloads from the server (not when merely full). */
  onStorageError: (resource: ResourceName, error: unknown) => void;
  /** Whether the event stream is open, so the events behind an own write will come. */
  isLive: () => boolean;
  /** Where writes go, and whose unsettled entries are laid over this store's items. */
  outbox: OutboxLink;
  /** How long a remotely changed id stays in `recentlyChanged` (ms). */
  highlightMs?: number;
  now?: () => number;
}

/** The store plus the engine-facing controls the app never calls. */
export interface ResourceController<R extends ResourceName = ResourceName> {
  resource: R;
  store: ResourceStore<R>;
  /** Reads the type's copy from IndexedDB without showing it. */
  readStored(): Promise<StoredType<R>>;
  /** Shows a copy read by `readStored` (the engine shows every type at once: one render, not ten). */
  hydrate(stored: StoredType<R>): Promise<void>;
  /** Brings the type to the server's status (catch-up, digest check or reload). */
  verify(target: VerifyTarget): Promise<void>;
  /** Replaces the type with a snapshot; rejects when it could not be loaded. */
  reload(kind: ReloadKind, why: string): Promise<void>;
  /** Writes the in-memory copy to (a reopened) IndexedDB when the server cannot be reached. */
  persistMemory(): Promise<void>;
  idle(): Promise<void> /* once every queued event is applied */;
  /** The server answered an own write: apply it, shown until the stream's copy arrives. */
  acknowledge(answer: Acknowledged<R>): Promise<void>;
  /** The item as the server last told this device, without pending changes. */
  serverItem(id: string): Item<R> | undefined;
  dispose(): void;
}

/** Events from another epoch kept for after the check, at most this many. */
const MAX_HELD = 1000;

export function createResourceStore<R extends ResourceName>(
  resource: R,
  deps: ResourceStoreDeps,
): ResourceController<R> {
  const now = deps.now ?? Date.now;
  const empty = (): LocalCopy<R> => ({ items: new Map(), lastVersion: 0, epoch: null, digest: EMPTY_DIGEST });
  let local = empty();
  /** This type's outbox entries and own answers, laid over the server's copy when published. */
  const layers = new Layers<R>();
  layers.setEntries(deps.outbox.entries().filter((e) => e.resource === resource));
  /** Whether the published items had changes laid over them. */
  let layered = false;
  let queue: (Incoming<R> & { done: () => void })[] = [];
  let held: SyncEvent<R>[] = [];
  let flushScheduled = false;
  /** The digest came from sync_meta at hydrate and has not been checked against the items yet. */
  let digestUnchecked = false;
  let tail: Promise<unknown> = Promise.resolve();
  const log = (entry: LogLine) => deps.log.add({ resource, ...entry });
  const full = createFullTracker(resource, deps.log, now);

  /** Runs tasks that change the local copy strictly one after another. */
  function exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = tail.then(task);
    tail = run.catch(() => undefined);
    return run;
  }

  const store = createStore<ResourceState<R> & ResourceActions<R>>()((set, get) => ({
    resource,
    items: [],
    byId: {},
    isLoading: false,
    isLoaded: false,
    error: null,
    lastVersion: 0,
    epoch: null,
    digest: EMPTY_DIGEST,
    recentlyChanged: {},
    pending: pendingIds(layers.entries),
    async fetchAll(force = false) {
      if (get().isLoaded && !force) return;
      const kind = force ? 'full_refresh' : 'snapshot';
      // Failures are in `error` and the log; the promise only says "done trying".
      await exclusive(() => loadSnapshot(kind, 'requested')).catch(() => undefined);
    },
    applySync: (event) => enqueue(event, false),
    checkVersion: (serverVersion) => serverVersion !== get().lastVersion,
    getById: (id) => get().byId[id],
    clear: () =>
      exclusive(async () => {
        const db = deps.db();
        if (db) await clearType(db, resource);
        publish(empty(), false);
        set({ recentlyChanged: {}, error: null });
      }),
    ...createWriteActions(resource, {
      api: deps.api,
      log: deps.log,
      outbox: deps.outbox,
      current: () => local,
      shown: (id) => get().byId[id],
      enqueueOwn: (event) => enqueue(event, true),
    }),
  }));
  const highlighter = createHighlighter(store, deps.highlightMs ?? 2000, now);

  /** Makes a committed copy the store's state, with this device's unsettled writes laid over it. */
  function publish(next: LocalCopy<R>, loaded = true): void {
    const view = layers.view(next);
    // Same items (a new epoch adopted, nothing laid over): keep the arrays so lists do not re-render.
    const same = view === next.items && next.items === local.items && store.getState().isLoaded && !layered;
    layered = view !== next.items;
    local = next;
    store.setState({
      ...(same
        ? {}
        : { items: [...view.values()], byId: Object.fromEntries(view) as Record<string, Item<R>> }),
      lastVersion: next.lastVersion,
      epoch: next.epoch,
      digest: next.digest,
      isLoaded: loaded,
    });
  }

  /** The outbox changed: lay this type's entries over again when they differ. */
  const unsubscribe = deps.outbox.subscribe(() => {
    if (!layers.setEntries(deps.outbox.entries().filter((e) => e.resource === resource))) return;
    store.setState({ pending: pendingIds(layers.entries) });
    publish(local, store.getState().isLoaded);
  });

  /**
   * Writes the draft to IndexedDB, then to memory; false (and nothing changed) when storage
   * refused. Memory never runs ahead of IndexedDB, so a refused write leaves this type
   * behind the server, and the next event, heartbeat or check catches it up again.
   */
  async function commit(draft: Draft<R>): Promise<boolean> {
    const db = deps.db();
    if (db) {
      try {
        await commitType(db, draft.toCommit(now()));
      } catch (error) {
        store.setState({ error: refused(draft, error) });
        deps.onStorageError(resource, error);
        return false;
      }
      full.saved(draft.version);
    }
    publish(draft.toLocal());
    if (store.getState().error) store.setState({ error: null });
    return true;
  }

  /** Logs a refused write and gives the error the store shows. */
  function refused(draft: Draft<R>, error: unknown): SyncErrorInfo {
    if (isQuotaError(error))
      return full.refused(unsavedWork(draft, local), local.epoch === null ? null : local.lastVersion);
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    log({
      kind: 'storage_error',
      message: `IndexedDB refused the write (${message}); memory kept as it was`,
    });
    return { code: 'storage_error', status: 0, message };
  }

  /** The last refused write as an error, for callers that must fail when it was not stored. */
  function refusal(): SyncError {
    const error = store.getState().error;
    return new SyncError(
      error && isStorageCode(error.code)
        ? error
        : { code: 'storage_error', status: 0, message: 'the change could not be stored' },
    );
  }

  function enqueue(event: SyncEvent<R>, own: boolean): Promise<void> {
    return new Promise((done) => {
      queue.push({ event, own, done });
      if (flushScheduled) return;
      flushScheduled = true;
      // Events that arrive together (or while a batch is being written) form one batch.
      queueMicrotask(() => {
        flushScheduled = false;
        void exclusive(flush);
      });
    });
  }

  async function flush(): Promise<void> {
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    try {
      // Never loaded: the first snapshot is requested after these events arrived, so holds them.
      if (local.epoch !== null) await carryOut(await applyBatch(reads(), batch));
    } catch (error) {
      log({ kind: 'fault', message: `applying events failed: ${errorInfo(error).message}` });
    } finally {
      for (const entry of batch) entry.done();
    }
  }

  /**
   * Recomputes a hydrated digest once, before the check compares it with the server's:
   * a damaged stored copy then hashes differently and is reloaded.
   */
  function checkStoredDigest(): void {
    if (!digestUnchecked) return;
    digestUnchecked = false;
    const digest = digestOfItems(local);
    if (digest === local.digest) return;
    log({ kind: 'storage_error', message: `stored items hash to ${digest}, meta says ${local.digest}` });
    publish({ ...local, digest }, store.getState().isLoaded);
  }

  /** Replaces the type with a server snapshot; buffered newer events apply after it. */
  async function loadSnapshot(kind: ReloadKind, why: string): Promise<void> {
    store.setState({ isLoading: true });
    try {
      const { body, bytes } = await deps.api.snapshot(resource);
      await carryOut(adoptSnapshot(resource, body, bytes, { kind, why }));
    } catch (error) {
      const info = errorInfo(error);
      // A refused write is already in the log and in `error`.
      if (!isStorageCode(info.code)) {
        store.setState({ error: info });
        log({ kind: 'fault', message: `loading the snapshot failed: ${info.message}` });
      }
      throw error;
    } finally {
      store.setState({ isLoading: false });
    }
  }

  /** What the rules read: this store's copy, the change log, whether the stream is open. */
  const reads = (): RuleReads<R> => ({
    resource,
    local,
    changes: (r, since, epoch) => deps.api.changes(r, since, epoch),
    isLive: deps.isLive,
  });

  /** Re-applies the held events of the epoch the store has just moved into; drops the rest. */
  function releaseHeld(): void {
    const matching = held.filter((e) => e.epoch === local.epoch);
    held = [];
    for (const event of matching) void enqueue(event, false);
  }

  /** Does what the rules decided, in the order a Plan lays down (rules.ts). */
  async function carryOut(plan: Plan<R>): Promise<void> {
    for (const line of plan.log) log(line);
    if (plan.hold.length > 0) held = held.concat(plan.hold).slice(-MAX_HELD);
    for (const reason of plan.checks) deps.requestCheck(reason);
    if (plan.commit && !(await commit(plan.commit))) {
      if (plan.failIfRefused) throw refusal();
      return;
    }
    for (const line of plan.logStored) log(line);
    if (plan.highlight.length > 0) highlighter.mark(plan.highlight);
    if (plan.releaseHeld) releaseHeld();
    if (plan.reload) await loadSnapshot(plan.reload.kind, plan.reload.why);
  }

  return {
    resource,
    store,
    readStored: () =>
      exclusive(async () => {
        const db = deps.db();
        return db ? readType(db, resource) : { items: [], meta: undefined };
      }),
    hydrate: ({ items, meta }) =>
      exclusive(async () => {
        if (!meta) return;
        publish(storedCopyOf(items, meta));
        digestUnchecked = true;
        const message = `${items.length} item(s) at v${meta.lastVersion} from IndexedDB`;
        log({ kind: 'hydrated', message, version: meta.lastVersion });
      }),
    verify: (target) =>
      exclusive(async () => {
        checkStoredDigest();
        return carryOut(await verify(reads(), target));
      }),
    reload: (kind, why) => exclusive(() => loadSnapshot(kind, why)),
    persistMemory: () =>
      exclusive(async () => {
        if (local.epoch !== null) await commit(Draft.replacing(resource, local));
      }),
    async idle() {
      do {
        await new Promise<void>((resolve) => queueMicrotask(resolve));
        await exclusive(flush);
      } while (queue.length > 0 || flushScheduled);
    },
    async acknowledge({ seq, action, id, version, data }) {
      const epoch = await exclusive(async () => {
        layers.acknowledge({ seq, action, id, version, data }, local.epoch);
        publish(local, store.getState().isLoaded);
        return local.epoch;
      });
      if (epoch !== null) await enqueue({ epoch, resource, action, id, version, data }, true);
    },
    serverItem: (id) => local.items.get(id),
    dispose: () => {
      unsubscribe();
      highlighter.dispose();
    },
  };
}
