/**
 * The database's life: open it, notice when it fails (evicted, deleted or upgraded by
 * another tab), reopen it and let the engine reload from the server. While that happens —
 * or for good, if storage stays unusable — the stores run from memory. A full disk (quota
 * exceeded) is not such a failure: see storageFull.ts.
 */
import type { DexieOptions } from 'dexie';
import type { ResourceName } from '../shared/resources';
import { SyncDatabase } from './db';
import { isQuotaError } from './storageFull';
import type { SyncLog } from './syncLog';

export interface StorageOptions {
  name: string;
  dexie: DexieOptions;
  log: SyncLog;
  /** Refills the (re)opened or memory-only storage from the server. */
  reload: (why: string) => Promise<void>;
}

export interface Storage {
  /** The usable database, or null (memory-only). */
  db(): SyncDatabase | null;
  open(): Promise<void>;
  /**
   * A write failed: reopen once; a second failure while recovering means memory-only. A
   * quota refusal is ignored here: the database is sound, only full.
   */
  failed(resource: ResourceName | null, error: unknown): void;
  /** Resolves when no recovery is running. */
  settled(): Promise<void>;
  /**
   * The tab is about to be frozen: stop writing the log, abort the database's open
   * transactions (they would keep their stores locked, and every other tab's writes
   * waiting, until this tab resumes), and ignore the failures that follow. A store whose
   * write was aborted is left behind the server, as after any refused write; the check
   * that runs on resume catches it up.
   */
  suspend(): void;
  /** Back from a freeze: the log is written again. */
  resume(): void;
  close(): void;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export function createStorage(options: StorageOptions): Storage {
  const { log } = options;
  let current: SyncDatabase | null = null;
  let state: 'ok' | 'recovering' | 'memory' | 'closed' = 'ok';
  let failedAgain = false;
  let recovery: Promise<void> = Promise.resolve();
  let suspended = false;

  async function openDatabase(): Promise<SyncDatabase> {
    const db = new SyncDatabase(options.name, options.dexie);
    db.on('blocked', () => {
      log.add({
        kind: 'storage_error',
        message: 'database upgrade blocked by another tab; close the other tabs',
      });
    });
    db.on('versionchange', (event) => {
      // Another tab upgrades, or the browser deletes the database: let go, then reopen.
      const why =
        event.newVersion === null ? 'the database was deleted' : 'another tab upgraded the database';
      if (db === current) storage.failed(null, new Error(why));
      else db.close();
      return false;
    });
    await db.open();
    return db;
  }

  async function recover(why: string): Promise<void> {
    const old = current;
    current = null;
    log.detach();
    old?.close();
    log.add({ kind: 'storage_error', message: `${why}; reopening IndexedDB and reloading from the server` });
    let fresh: SyncDatabase | null = null;
    try {
      fresh = await openDatabase();
      current = fresh;
      await log.attach(fresh, { loadEarlier: false });
      await options.reload('storage recovered');
    } catch (error) {
      failedAgain = true;
      log.add({ kind: 'storage_error', message: `reopening IndexedDB failed (${describe(error)})` });
    }
    if (state === 'closed') return;
    if (!failedAgain) {
      state = 'ok';
      return;
    }
    state = 'memory';
    current = null;
    log.detach();
    fresh?.close();
    log.add({
      kind: 'storage_error',
      message: 'IndexedDB unusable: keeping data in memory until the app restarts',
    });
    await options.reload('storage unusable').catch(() => undefined);
  }

  const storage: Storage = {
    db: () => current,
    async open() {
      try {
        current = await openDatabase();
        await log.attach(current);
      } catch (error) {
        state = 'memory';
        current = null;
        log.add({
          kind: 'storage_error',
          message: `IndexedDB unavailable (${describe(error)}); memory only`,
        });
      }
    },
    failed(resource, error) {
      // A full disk is not a broken database: reopening cannot free space, and the stores
      // keep what IndexedDB holds and retry on their own (storageFull.ts).
      if (isQuotaError(error)) return;
      // Our own aborts (suspend), not a broken database.
      if (suspended) return;
      if (state === 'recovering') failedAgain = true;
      if (state !== 'ok') return;
      state = 'recovering';
      failedAgain = false;
      const where = resource ? ` (${resource})` : '';
      recovery = recover(`storage failed${where}: ${describe(error)}`);
    },
    settled: () => recovery,
    suspend() {
      suspended = true;
      // Lines logged meanwhile wait in memory: writing them would open a transaction again.
      log.detach();
      current?.abortOpenTransactions();
    },
    resume() {
      if (!suspended) return;
      suspended = false;
      if (current && state === 'ok') void log.attach(current, { loadEarlier: false });
    },
    close() {
      state = 'closed';
      log.detach();
      current?.close();
      current = null;
    },
  };
  return storage;
}
