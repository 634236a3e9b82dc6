/**
 * The public surface of the page's sync engine: what src/app may use. The engine's
 * modules implement these; screens never reach into IndexedDB or the event stream.
 */
import type { StoreApi } from 'zustand/vanilla';
import type { DrillNotice } from '../shared/drills';
import type { ErrorCode, SyncEvent, SyncStatus } from '../shared/protocol';
import type { Item, ResourceFields, ResourceName } from '../shared/resources';
import type { Persistence } from './persistence';

/** Whether the page currently hears the server: shown in the `Sync status` region. */
export type ConnectionState = 'online' | 'syncing' | 'offline';

/** An error the server (or the network) gave a write or a read. */
export interface SyncErrorInfo {
  /**
   * The contract's error code, `network_error` when the server was not reached,
   * `storage_full` when this device's storage quota refused a write, `storage_error` when
   * IndexedDB refused it for another reason, `discarded` when the person dropped a queued
   * write before the server settled it.
   */
  code: ErrorCode | 'network_error' | 'storage_full' | 'storage_error' | 'discarded';
  status: number;
  message: string;
  details?: unknown;
}

/** How a write reaches the server. */
export interface WriteOptions {
  /** Defaults to a fresh UUID; a retry with the same key changes nothing twice. */
  idempotencyKey?: string;
  /**
   * The item version the change is based on (`If-Match`); null sends none. `update`
   * defaults to the version this device holds, so a change made meanwhile answers 412.
   */
  ifMatch?: number | null;
}

/** What an outbox entry asks the server to do. */
export type OutboxAction = 'create' | 'update' | 'delete';

/**
 * Where an outbox entry stands: `pending` waits for the sender, `sending` is on the wire
 * (a crash leaves it so; it is sent again with the same key), `conflict` was answered 412
 * (the item moved on), `failed` was refused (400, 403, 404, 409...). Conflict and failed
 * entries are not shown over the server's state and wait for the person's decision.
 */
export type OutboxState = 'pending' | 'sending' | 'failed' | 'conflict';

/** One offline-first write, persisted in the `outbox` table until the server settles it. */
export interface OutboxEntry {
  /** Auto-increment key: the order entries are sent in, across tabs. */
  seq: number;
  resource: ResourceName;
  action: OutboxAction;
  itemId: string;
  /** The item's name when the change was made, so a deleted item can still be named. */
  itemName: string | null;
  /** create: every field; update: the patch; delete: null. */
  fields: Record<string, unknown> | null;
  /** The item version the change was made on (`If-Match`); null when the item is not on the server yet. */
  baseVersion: number | null;
  /** Chosen once at enqueue: every replay of this entry carries it, so it applies at most once. */
  idempotencyKey: string;
  state: OutboxState;
  attempts: number;
  lastError: SyncErrorInfo | null;
  /** ms since epoch. */
  createdAt: number;
}

/** A write accepted into the outbox: shown at once; `settled` says how the server took it. */
export interface QueuedWrite<T> {
  entry: OutboxEntry;
  /** Resolves with the server's answer; rejects with a SyncError when it was refused. */
  settled: Promise<T>;
}

/** The outbox as the app sees it: its entries, observable, and the person's decisions. */
export interface OutboxControls {
  store: StoreApi<{
    entries: OutboxEntry[];
    /** Why the sender paused (network, server busy), or null while it can send. */
    paused: SyncErrorInfo | null;
  }>;
  /** Replays the outbox now if this tab is the leader (it also runs on every trigger). */
  flush(reason: string): Promise<void>;
  /** Sends a failed or conflicting entry again as it is. */
  retry(seq: number): Promise<void>;
  /** Re-bases a conflicting entry on the server's current version, then sends it: "apply mine on top". */
  applyMine(seq: number): Promise<void>;
  /** Drops an entry (logged); the item shows the server's state. */
  discard(seq: number, why?: string): Promise<void>;
  /** Resolves when no send is running (tests, shutdown). */
  idle(): Promise<void>;
}

/** State of one resource type's store. */
export interface ResourceState<R extends ResourceName = ResourceName> {
  resource: R;
  items: Item<R>[];
  byId: Record<string, Item<R>>;
  isLoading: boolean;
  isLoaded: boolean;
  error: SyncErrorInfo | null;
  lastVersion: number;
  epoch: string | null;
  digest: string;
  /** Ids changed by a recent remote event, for a brief highlight (cleared after ~2 s). */
  recentlyChanged: Record<string, number>;
  /**
   * Ids with an outbox entry not yet settled, and that entry's state: `pending`/`sending`
   * rows show the local change, `conflict`/`failed` rows show the server's state again.
   */
  pending: Record<string, OutboxState>;
}

/** Actions of one resource type's store. */
export interface ResourceActions<R extends ResourceName = ResourceName> {
  /** Loads the snapshot unless loaded (always when `force`). */
  fetchAll(force?: boolean): Promise<void>;
  /** Applies one event by the contract's rules (duplicate, next, gap, other epoch). */
  applySync(event: SyncEvent<R>): Promise<void>;
  /** True when the server's version differs from ours in either direction. */
  checkVersion(serverVersion: number): boolean;
  getById(id: string): Item<R> | undefined;
  clear(): Promise<void>;
  /**
   * Creates an item (a UUID chosen here unless given) through the outbox. Resolves with the
   * stored item once the server accepted it (offline, that waits until it is back); rejects
   * with a SyncError when refused. A write carrying a PIN skips the outbox (online only):
   * a PIN never rests on the device.
   */
  create(fields: ResourceFields[R] & { id?: string; pin?: string }, options?: WriteOptions): Promise<Item<R>>;
  update(
    id: string,
    patch: Partial<ResourceFields[R]> & { pin?: string },
    options?: WriteOptions,
  ): Promise<Item<R>>;
  remove(id: string, options?: WriteOptions): Promise<void>;
  /** Like `create`, resolving as soon as the change is queued and shown on this device. */
  queueCreate(
    fields: ResourceFields[R] & { id?: string },
    options?: WriteOptions,
  ): Promise<QueuedWrite<Item<R>>>;
  queueUpdate(
    id: string,
    patch: Partial<ResourceFields[R]>,
    options?: WriteOptions,
  ): Promise<QueuedWrite<Item<R>>>;
  queueRemove(id: string, options?: WriteOptions): Promise<QueuedWrite<null>>;
}

export type ResourceStore<R extends ResourceName = ResourceName> = StoreApi<
  ResourceState<R> & ResourceActions<R>
>;

/** One line of the sync log. */
export interface SyncLogEntry {
  seq: number;
  /** ms since epoch. */
  at: number;
  kind:
    | 'hydrated'
    | 'snapshot'
    | 'applied'
    | 'duplicate_ignored'
    | 'gap_caught_up'
    | 'too_old_reload'
    | 'epoch_changed'
    | 'digest_verified'
    | 'digest_mismatch'
    | 'full_refresh'
    | 'check'
    | 'stream_open'
    | 'stream_closed'
    | 'reset'
    | 'leader'
    | 'storage_error'
    | 'storage_ok'
    | 'persistence'
    | 'write'
    | 'write_failed'
    | 'write_queued'
    | 'write_conflict'
    | 'write_retried'
    | 'write_discarded'
    | 'fault';
  resource?: ResourceName;
  message: string;
  /** Bytes of response bodies this decision downloaded. */
  bytes?: number;
  version?: number;
  /** On a `fault` line that relays a drill notice: the fault QA injected on purpose. */
  drill?: DrillNotice['fault'];
}

/** Per-type figures for the diagnostics page. */
export interface ResourceDiagnostics {
  resource: ResourceName;
  localVersion: number;
  localDigest: string;
  localCount: number;
  serverVersion: number | null;
  serverDigest: string | null;
  serverCount: number | null;
}

/** The engine as the app holds it. */
export interface SyncEngine {
  stores: { [R in ResourceName]: ResourceStore<R> };
  /** Connection state, observable. */
  connection: StoreApi<{
    state: ConnectionState;
    epoch: string | null;
    lastSyncedAt: number | null;
    /** Whether this tab holds the event stream for the browser (and will send the outbox). */
    isLeader: boolean;
  }>;
  /** Offline-first writes waiting for (or refused by) the server. */
  outbox: OutboxControls;
  /** The sync log, observable (newest last). */
  log: StoreApi<{ entries: SyncLogEntry[] }>;
  /** Whether the browser promised to keep this device's data (persistence.ts), observable. */
  persistence: StoreApi<Persistence>;
  /**
   * Hydrates every store from IndexedDB (usable offline from then on), joins the event
   * stream, and resolves after the first reconnect check.
   */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The reconnect check: status, then catch-up / digest verification per type. */
  check(reason: string): Promise<void>;
  /** Full refresh of every loaded store. */
  refreshAll(): Promise<void>;
  /** The last status read from the server, for diagnostics. */
  lastStatus(): SyncStatus | null;
  diagnostics(): ResourceDiagnostics[];
  exportLog(): string;
}
