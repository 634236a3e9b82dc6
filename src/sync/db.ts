/**
 * The page's IndexedDB database (Dexie): one table per resource type, named as in the
 * protocol, `sync_meta` with one row per type, and `sync_log` for the persisted sync log.
 * A type's items and its meta row only ever change together, in one transaction.
 */
import Dexie, { type DBCoreTransaction, type DexieOptions, type Table } from 'dexie';
import { type Item, RESOURCE_NAMES, type ResourceName } from '../shared/resources';
import type { OutboxEntry, SyncLogEntry } from './types';

/** The database name of the contract; tests pass their own to stay isolated. */
export const DEFAULT_DB_NAME = 'red-coral';

/** One row of `sync_meta`: where a type's local copy stands. */
export interface SyncMetaRow {
  resource: ResourceName;
  lastVersion: number;
  epoch: string | null;
  digest: string;
  /** When the server last confirmed this copy (ms); lets the app show the data's age offline. */
  syncedAt?: number;
}

/** A stored outbox entry; `seq` is assigned by IndexedDB when it is added. */
export type OutboxRow = Omit<OutboxEntry, 'seq'> & { seq?: number };

/** A persisted sync log entry; `id` orders entries across tabs and restarts. */
export type SyncLogRow = Omit<SyncLogEntry, 'seq'> & { id?: number };

/** What a store writes in one transaction: changed items, removed ids and the new meta row. */
export interface TypeCommit<R extends ResourceName = ResourceName> {
  resource: R;
  /** Drop every stored item first (a full snapshot replaces the type). */
  replaceAll: boolean;
  upserts: Item<R>[];
  deletes: string[];
  meta: SyncMetaRow;
}

export class SyncDatabase extends Dexie {
  // `declare` so class-field semantics do not shadow the tables Dexie defines.
  declare readonly sync_meta: Table<SyncMetaRow, ResourceName>;
  declare readonly sync_log: Table<SyncLogRow, number>;
  declare readonly outbox: Table<OutboxRow, number>;
  /** IndexedDB transactions begun and not yet finished (see `abortOpenTransactions`). */
  private readonly running = new Set<DBCoreTransaction>();

  constructor(name: string = DEFAULT_DB_NAME, options?: DexieOptions) {
    super(name, options);
    this.use({
      stack: 'dbcore',
      name: 'openTransactions',
      create: (down) => ({
        ...down,
        transaction: (stores, mode, transactionOptions) => {
          const tx = down.transaction(stores, mode, transactionOptions);
          // Dexie's IndexedDB core hands out the IDBTransaction itself; its on* handlers are Dexie's.
          const events = tx as unknown as Pick<IDBTransaction, 'addEventListener'>;
          const done = () => this.running.delete(tx);
          this.running.add(tx);
          for (const type of ['complete', 'abort', 'error'] as const) events.addEventListener?.(type, done);
          return tx;
        },
      }),
    });
    // Schema history. Never edit a released version: add `this.version(n + 1).stores({...})`
    // listing only new or changed tables (null deletes one), with `.upgrade(tx => ...)` when
    // rows must be rewritten.
    this.version(1).stores({
      ...Object.fromEntries(RESOURCE_NAMES.map((r) => [r, 'id'])),
      sync_meta: 'resource',
      sync_log: '++id',
    });
    // Version 2 adds the outbox of offline writes (docs/OUTBOX.md). Migration: a new, empty
    // table; no existing row changes, so a device upgrading keeps its data and syncs on.
    // Entries are read whole and in `seq` order, so no index beyond the key is needed.
    this.version(2).stores({ outbox: '++seq' });
  }

  /**
   * Aborts every transaction still running; returns how many. For a tab about to be
   * frozen: a transaction it left open would keep its stores locked, and every other
   * tab's writes to them waiting, until it resumes. What was aborted wrote nothing.
   */
  abortOpenTransactions(): number {
    let aborted = 0;
    for (const tx of this.running) {
      try {
        tx.abort();
        aborted++;
      } catch {
        // Already finishing: it releases its locks by itself.
      }
    }
    this.running.clear();
    return aborted;
  }

  /** The item table of one type. */
  items<R extends ResourceName>(resource: R): Table<Item<R>, string> {
    return this.table(resource);
  }
}

/** A type's items and meta row as read back from IndexedDB. */
export interface StoredType<R extends ResourceName = ResourceName> {
  items: Item<R>[];
  meta: SyncMetaRow | undefined;
}

/** Reads a type's items and meta row consistently (one read transaction). */
export async function readType<R extends ResourceName>(
  db: SyncDatabase,
  resource: R,
): Promise<StoredType<R>> {
  const table = db.items(resource);
  return db.transaction('r', table, db.sync_meta, async () => ({
    items: await table.toArray(),
    meta: await db.sync_meta.get(resource),
  }));
}

/** Writes items and meta row of one type atomically: either all of it lands or nothing. */
export async function commitType<R extends ResourceName>(
  db: SyncDatabase,
  commit: TypeCommit<R>,
): Promise<void> {
  const table = db.items(commit.resource);
  await db.transaction('rw', table, db.sync_meta, async () => {
    if (commit.replaceAll) await table.clear();
    if (commit.deletes.length > 0) await table.bulkDelete(commit.deletes);
    if (commit.upserts.length > 0) await table.bulkPut(commit.upserts);
    await db.sync_meta.put(commit.meta);
  });
}

/** Removes a type's items and meta row (the store forgets the type). */
export async function clearType(db: SyncDatabase, resource: ResourceName): Promise<void> {
  const table = db.items(resource);
  await db.transaction('rw', table, db.sync_meta, async () => {
    await table.clear();
    await db.sync_meta.delete(resource);
  });
}

/**
 * How many outbox entries this device holds, read straight from IndexedDB, for screens
 * shown while no engine runs (sign-in): they must not offer anything that would strand
 * them, such as moving to another origin. Never throws: unreadable counts as unknown (null).
 */
export async function countStoredOutbox(
  name: string = DEFAULT_DB_NAME,
  options?: DexieOptions,
): Promise<number | null> {
  const db = new SyncDatabase(name, options);
  try {
    return await db.outbox.count();
  } catch {
    return null;
  } finally {
    db.close();
  }
}
