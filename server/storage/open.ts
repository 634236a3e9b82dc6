/**
 * Picks the storage from the settings: PostgreSQL when DATABASE_URL is set (several
 * instances may share it), else SQLite in DATA_DIR (one process). It also decides the
 * epoch, because that depends on who shares the history:
 * - SQLite: a new UUID per process start, as the contract says; one process owns the file.
 * - PostgreSQL: the deployment's epoch stored in the database, the same for every
 *   instance and across restarts, replaced only when history breaks (docs/SCALING.md).
 */
import { randomUUID } from 'node:crypto';
import type { ServerConfig } from '../config';
import { PostgresStorage } from './postgres';
import { describeDatabase, type StorageLog } from './postgres-pool';
import { databasePath, SqliteStorage } from './sqlite';
import type { DrillHooks, Storage } from './types';

export type StorageSettings = Pick<
  ServerConfig,
  'databaseUrl' | 'dataDir' | 'logRetention' | 'databasePoolSize' | 'databasePollMs'
>;

export interface OpenedStorage {
  storage: Storage;
  /** The same storage as drill mode sees it (server/drills): wipe, and whether the epoch is shared. */
  drillHooks: DrillHooks;
  /** The epoch this process serves. */
  epoch: string;
  /** Where the data lives, for the start-up banner. */
  location: string;
  /** Why the shared epoch was just replaced (a copied or restored database), else null. */
  epochRotated: string | null;
  /** Registers for "the database's history broke under this running instance". */
  onHistoryBreak(listener: (reason: string) => void): void;
}

export async function openStorage(settings: StorageSettings, log?: StorageLog): Promise<OpenedStorage> {
  if (settings.databaseUrl) {
    const storage = await PostgresStorage.open({
      url: settings.databaseUrl,
      logRetention: settings.logRetention,
      poolSize: settings.databasePoolSize,
      pollMs: settings.databasePollMs,
      log,
    });
    return {
      storage,
      drillHooks: storage,
      epoch: storage.epoch,
      location: `PostgreSQL ${describeDatabase(settings.databaseUrl)}`,
      epochRotated: storage.deployment.rotated,
      onHistoryBreak: (listener) => void storage.onHistoryBreak(listener),
    };
  }
  const storage = SqliteStorage.open(settings.dataDir, { logRetention: settings.logRetention });
  return {
    storage,
    drillHooks: storage,
    epoch: randomUUID(),
    location: `SQLite ${databasePath(settings.dataDir)}`,
    epochRotated: null,
    // One process owns the file: nobody else can rewrite its history while it runs.
    onHistoryBreak: () => undefined,
  };
}
