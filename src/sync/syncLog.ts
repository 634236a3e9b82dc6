/**
 * The sync log: every decision the engine takes (duplicate ignored, gap caught up, epoch
 * changed, digest verified, reload...) with time, resource, version and bytes. A ring
 * buffer in memory (observable for the diagnostics page), persisted to `sync_log` so a
 * drill can still read it after a restart, exportable as JSON.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { SyncDatabase, SyncLogRow } from './db';
import type { SyncLogEntry } from './types';

export const DEFAULT_LOG_CAPACITY = 500;

export type LogInput = Omit<SyncLogEntry, 'seq' | 'at'>;

export interface SyncLog {
  store: StoreApi<{ entries: SyncLogEntry[] }>;
  add(entry: LogInput): SyncLogEntry;
  /**
   * Starts persisting to `db`; first loads its persisted tail unless `loadEarlier` is false
   * (a reopened database after a storage failure holds nothing new).
   */
  attach(db: SyncDatabase, options?: { loadEarlier?: boolean }): Promise<void>;
  /** Stops persisting (database closed or replaced). */
  detach(): void;
  /** Resolves when every entry so far is written (tests, shutdown). */
  flushed(): Promise<void>;
  exportJson(): string;
}

export function createSyncLog(capacity = DEFAULT_LOG_CAPACITY, now: () => number = Date.now): SyncLog {
  const store = createStore<{ entries: SyncLogEntry[] }>(() => ({ entries: [] }));
  let seq = 0;
  let db: SyncDatabase | null = null;
  let unsaved: SyncLogRow[] = [];
  let writing: Promise<void> = Promise.resolve();
  let scheduled = false;

  function push(entries: SyncLogEntry[]): void {
    const all = store.getState().entries.concat(entries);
    store.setState({ entries: all.length > capacity ? all.slice(all.length - capacity) : all });
  }

  /** Writes pending entries in one transaction per tick, and trims the table to capacity. */
  function schedulePersist(): void {
    if (scheduled || !db) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      const target = db;
      const rows = unsaved;
      unsaved = [];
      if (!target || rows.length === 0) return;
      writing = writing.then(async () => {
        try {
          await target.transaction('rw', target.sync_log, async () => {
            const lastId = await target.sync_log.bulkAdd(rows, { allKeys: false });
            await target.sync_log
              .where('id')
              .belowOrEqual(lastId - capacity)
              .delete();
          });
        } catch {
          // The log must never take the engine down; storage errors are reported by the stores.
          // Keep the rows for the next write, so lines logged while the disk was full (or the
          // database reopening) are still stored once it works again.
          unsaved = rows.concat(unsaved).slice(-capacity);
        }
      });
    });
  }

  return {
    store,
    add(input) {
      const entry: SyncLogEntry = { seq: ++seq, at: now(), ...input };
      push([entry]);
      const { seq: _seq, ...row } = entry;
      unsaved.push(row);
      // Without a database (memory-only) keep just what a later attach could still store.
      if (unsaved.length > capacity) unsaved = unsaved.slice(-capacity);
      schedulePersist();
      return entry;
    },
    async attach(target, { loadEarlier = true } = {}) {
      db = target;
      if (!loadEarlier) return schedulePersist();
      try {
        const rows = await target.sync_log.orderBy('id').reverse().limit(capacity).toArray();
        const earlier = rows.reverse().map(({ id: _id, ...row }) => ({ seq: 0, ...row }));
        const current = store.getState().entries;
        const merged = earlier.concat(current).slice(-capacity);
        seq = 0;
        store.setState({ entries: merged.map((e) => ({ ...e, seq: ++seq })) });
      } catch {
        // An unreadable log is not worth failing start for.
      }
      schedulePersist();
    },
    detach() {
      db = null;
    },
    async flushed() {
      await new Promise<void>((resolve) => queueMicrotask(resolve));
      await writing;
    },
    exportJson() {
      return JSON.stringify(
        { exportedAt: new Date(now()).toISOString(), entries: store.getState().entries },
        null,
        2,
      );
    },
  };
}
