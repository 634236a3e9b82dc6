/**
 * The public surface of the page's sync engine: what src/app may use. The engine's
 * modules implement these; screens never reach into IndexedDB or the event stream.
 */
import type { StoreApi } from 'zustand/vanilla';
import type { ErrorCode, SyncEvent, SyncStatus } from '../shared/protocol';
import type { Item, ResourceFields, ResourceName } from '../shared/resources';

/** Whether the page currently hears the server: shown in the `Sync status` region. */
export type ConnectionState = 'online' | 'syncing' | 'offline';

/** An error the server (or the network) gave a write or a read. */
export interface SyncErrorInfo {
  /**
   * The contract's error code, `network_error` when the server was not reached, or
   * `storage_error` when this device's IndexedDB refused a write.
   */
  code: ErrorCode | 'network_error' | 'storage_error';
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
   * Creates an item (a UUID chosen here unless given). Resolves with the stored item, which
   * is then in the store — or follows right behind other devices' changes still on the stream.
   */
  create(fields: ResourceFields[R] & { id?: string; pin?: string }, options?: WriteOptions): Promise<Item<R>>;
  update(
    id: string,
    patch: Partial<ResourceFields[R]> & { pin?: string },
    options?: WriteOptions,
  ): Promise<Item<R>>;
  remove(id: string, options?: WriteOptions): Promise<void>;
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
    | 'write'
    | 'write_failed'
    | 'fault';
  resource?: ResourceName;
  message: string;
  /** Bytes of response bodies this decision downloaded. */
  bytes?: number;
  version?: number;
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
  /** The sync log, observable (newest last). */
  log: StoreApi<{ entries: SyncLogEntry[] }>;
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
