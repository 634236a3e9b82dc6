/**
 * The storage interfaces, each as narrow as its users: `ItemStorage` (items, versions,
 * digests, the change log) for the routes and the SSE hub, `AuthStorage` (PIN hashes,
 * sessions, the wrong-PIN lockout) for sign-in, and `Storage`, both plus what spans them,
 * for the app that holds it. Drill mode's `DrillHooks` stay off `Storage`. Implemented on
 * SQLite (sqlite.ts) and PostgreSQL (postgres.ts); methods return promises so either sits
 * behind the routes unchanged. Each write is one atomic transaction.
 */
import type { PerResource, SyncAction } from '../../src/shared/protocol';
import type { Item, Permission, ResourceName } from '../../src/shared/resources';
import type { LockoutConfig } from '../config';

/** The stored fields of an item (everything but `id` and `version`). */
export type Fields = Record<string, unknown>;

/** One committed change, as kept in the change log. */
export interface Change {
  /** Global commit order across all types; the SSE event id carries it. */
  seq: number;
  resource: ResourceName;
  version: number;
  action: SyncAction;
  id: string;
  data: Item | null;
}

export interface ResourceStates {
  versions: PerResource<number>;
  digests: PerResource<string>;
  counts: PerResource<number>;
}

/** The first answer given to an Idempotency-Key, replayed on retries. */
export interface StoredAnswer {
  status: number;
  body: unknown;
}

export interface IdempotencyRequest {
  key: string;
  /** sha256 over method, path and body; a different request under the same key is refused. */
  fingerprint: string;
}

interface WriteBase {
  resource: ResourceName;
  id: string;
  /** The signed-in employee; Idempotency-Keys are scoped to them. */
  actor: string;
  idempotency?: IdempotencyRequest;
  /** The item's version must equal this (If-Match), else 412. */
  ifMatch?: number;
}

export interface CreateRequest extends WriteBase {
  action: 'create';
  /** Already validated fields. */
  fields: Fields;
  /** An employee's new PIN hash, stored in the same transaction. */
  pinHash?: string;
}

export interface UpdateRequest extends WriteBase {
  action: 'update';
  /** Builds and validates the new fields from the stored ones; throws ApiError to abort. */
  merge: (current: Fields) => Fields;
  pinHash?: string;
}

export interface DeleteRequest extends WriteBase {
  action: 'delete';
}

export type WriteRequest = CreateRequest | UpdateRequest | DeleteRequest;

export interface WriteResult {
  status: number;
  /** The stored item, or `{ id, version }` for a delete. */
  body: unknown;
  /** The committed change; null when an Idempotency-Key replayed an earlier answer. */
  change: Change | null;
}

export interface ChangesPage {
  version: number;
  /** Highest version of this type no longer in the log (0 when nothing was pruned). */
  prunedThrough: number;
  changes: Change[];
}

/** What a new event stream needs, read in one transaction. */
export interface StreamStart extends Omit<ResourceStates, 'counts'> {
  /** Seq of the newest committed change (0 when none). */
  lastSeq: number;
  /** Highest seq ever pruned: a resume from below it has lost history. */
  prunedSeq: number;
  /** Changes after the requested seq, when asked and still available. */
  changes: Change[] | null;
}

export interface PinRecord {
  employeeId: string;
  hash: string;
}

export interface SessionRecord {
  tokenHash: string;
  employeeId: string;
  expiresAt: number;
  createdAt: number;
}

export interface ActiveSession {
  employee: Item<'employee'>;
  permissions: Permission[];
  expiresAt: number;
}

/** Items, their per-type versions and digests, and the change log. */
export interface ItemStorage {
  status(): Promise<ResourceStates>;
  /** Items, version and digest of one type, from one consistent snapshot. */
  list(resource: ResourceName): Promise<{ version: number; digest: string; items: Item[] }>;
  get(resource: ResourceName, id: string): Promise<Item | null>;
  /** One create, update or delete in one transaction; throws ApiError and changes nothing on failure. */
  write(request: WriteRequest): Promise<WriteResult>;
  /** Several writes in one all-or-nothing transaction (the demo seed). */
  writeBatch(requests: WriteRequest[]): Promise<WriteResult[]>;
  /** The stored answer for an Idempotency-Key, null if unused; 409 if used for another request. */
  findAnswer(actor: string, idempotency: IdempotencyRequest): Promise<StoredAnswer | null>;
  /** Changes of one type with version > since, oldest first. */
  changes(resource: ResourceName, since: number): Promise<ChangesPage>;
  /** State for an event stream's hello plus, when `afterSeq` is given, the changes to replay. */
  streamStart(afterSeq: number | null): Promise<StreamStart>;
  /**
   * Hears every commit, in commit (seq) order: on SQLite synchronously after each of its
   * own commits; on PostgreSQL every instance's commits, shortly after, from the change feed.
   */
  onCommit(listener: (changes: Change[]) => void): () => void;
  /** Whether anything was ever written (a new database gets the demo seed). */
  isNew(): Promise<boolean>;
}

/** Where wrong PINs are counted, per client IP (server/auth/lockout.ts). */
export interface LockoutStore {
  /** Milliseconds until this IP may try again; 0 when it may now. */
  retryAfterMs(ip: string): Promise<number>;
  /** Counts a wrong PIN; returns the lock time when this failure triggered one, else 0. */
  fail(ip: string): Promise<number>;
  /** A correct PIN clears the IP's record. */
  succeed(ip: string): Promise<void>;
  /** Forgets IPs with nothing left to remember (the app's periodic cleanup). */
  sweep(): Promise<void>;
}

/** Sign-in: PIN hashes, sessions, and the wrong-PIN lockout when it must live here. */
export interface AuthStorage {
  /** PIN hashes of employees, optionally only active ones (sign-in). */
  pinHashes(activeOnly: boolean): Promise<PinRecord[]>;
  createSession(session: SessionRecord): Promise<void>;
  /** The session's employee and permissions, extending its expiry; null if expired or inactive. */
  findSession(tokenHash: string, now: number, ttlMs: number): Promise<ActiveSession | null>;
  deleteSession(tokenHash: string): Promise<void>;
  /**
   * The wrong-PIN lockout's store, when it must live in the storage: on PostgreSQL several
   * instances share the database, and a count per process would give an attacker
   * N × maxFailures tries. A storage one process owns (SQLite) leaves it out, and the app
   * counts in memory (server/auth/lockout.ts).
   */
  lockoutStore?(config: LockoutConfig): LockoutStore;
}

/** The storage the app is built on: items and sign-in, and what spans both. */
export interface Storage extends ItemStorage, AuthStorage {
  /**
   * Runs `task` while no task of the same name runs anywhere else on this database: on
   * PostgreSQL that spans every instance (the demo seed, PIN uniqueness checks).
   */
  exclusive<T>(name: string, task: () => Promise<T>): Promise<T>;
  /** Drops expired sessions and old idempotency answers. */
  cleanup(now: number, idempotencyTtlMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * What drill mode (server/drills) may do to a storage beyond the production interface;
 * `openStorage` hands these to the drill module only.
 */
export interface DrillHooks {
  /**
   * Whether other instances share this database and its epoch (PostgreSQL): then the
   * epoch is the deployment's and one process must not change it on its own.
   */
  readonly sharesEpoch: boolean;
  /**
   * Deletes every item, PIN hash, session, idempotency answer and the change log, and
   * resets every type to version 0 with the empty digest, in one transaction, like a
   * fresh install. Seqs keep counting up: the SSE hub (and any client holding an event
   * id) must never see a seq used twice. Notifies no listener. SQLite only; PostgreSQL
   * refuses with `drill_unsupported`.
   */
  wipe(): Promise<void>;
}
