import { describe, expect, it } from 'vitest';
import { createSyncLog } from '../../src/sync/syncLog';
import { openTestDb, uniqueDbName } from './support/setup';

describe('sync log', () => {
  it('is a ring buffer: keeps the newest entries up to its capacity', () => {
    const log = createSyncLog(3);
    for (let i = 1; i <= 5; i++) log.add({ kind: 'applied', message: `batch ${i}` });
    expect(log.store.getState().entries.map((e) => e.message)).toEqual(['batch 3', 'batch 4', 'batch 5']);
    expect(log.store.getState().entries.map((e) => e.seq)).toEqual([3, 4, 5]);
  });

  it('persists entries to IndexedDB, trimmed to capacity, and shows them after a restart', async () => {
    const name = uniqueDbName();
    const db = openTestDb(name);
    const log = createSyncLog(4, () => 1_700_000_000_000);
    await log.attach(db);
    for (let i = 1; i <= 6; i++)
      log.add({ kind: 'gap_caught_up', resource: 'product', message: `m${i}`, bytes: i });
    await log.flushed();
    expect(await db.sync_log.count()).toBe(4);
    db.close();

    const reopened = openTestDb(name);
    const next = createSyncLog(4);
    next.add({ kind: 'hydrated', message: 'before attach' });
    await next.attach(reopened);
    expect(next.store.getState().entries.map((e) => e.message)).toEqual(['m4', 'm5', 'm6', 'before attach']);
    expect(next.store.getState().entries[0]).toMatchObject({
      kind: 'gap_caught_up',
      resource: 'product',
      bytes: 4,
      at: 1_700_000_000_000,
    });
    reopened.close();
  });

  it('exports the entries as JSON', () => {
    const log = createSyncLog(10, () => 0);
    log.add({ kind: 'digest_verified', resource: 'zone', message: 'equal', bytes: 0, version: 7 });
    expect(JSON.parse(log.exportJson())).toEqual({
      exportedAt: '1970-01-01T00:00:00.000Z',
      entries: [
        { seq: 1, at: 0, kind: 'digest_verified', resource: 'zone', message: 'equal', bytes: 0, version: 7 },
      ],
    });
  });
});
