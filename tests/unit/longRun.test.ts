/**
 * A kiosk runs for weeks: what the engine does per event must not grow with the time it
 * has run. The sync log and the highlight are the per-event state that lives longest
 * (docs/DRILLS.md, "Why the 5-minute soak failed", measured the page over 30 minutes).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createStore } from 'zustand/vanilla';
import { createHighlighter } from '../../src/sync/highlight';
import { createSyncLog } from '../../src/sync/syncLog';
import { openTestDb } from './support/setup';

afterEach(() => {
  vi.useRealTimers();
});

describe('after hours of events', () => {
  it('the sync log holds its capacity, in memory and in IndexedDB, and never copies more', async () => {
    const capacity = 500;
    const db = openTestDb();
    const log = createSyncLog(capacity);
    await log.attach(db);
    let longest = 0;
    log.store.subscribe(({ entries }) => {
      longest = Math.max(longest, entries.length);
    });
    // Twenty times the capacity, in ticks of 25 lines as a busy stream delivers them.
    for (let tick = 0; tick < 400; tick++) {
      for (let i = 0; i < 25; i++) log.add({ kind: 'applied', message: `line ${tick * 25 + i + 1}` });
      await log.flushed();
    }
    const entries = log.store.getState().entries;
    expect(longest).toBe(capacity);
    expect(entries).toHaveLength(capacity);
    expect(entries[0]!.message).toBe('line 9501');
    expect(entries.at(-1)!.message).toBe('line 10000');
    expect(await db.sync_log.count()).toBe(capacity);
    expect((await db.sync_log.orderBy('id').first())?.message).toBe('line 9501');
    db.close();
  });

  it('the highlight keeps one timer per store and only the ids of its last moments', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let clock = 0;
    const store = createStore<{ recentlyChanged: Record<string, number> }>(() => ({ recentlyChanged: {} }));
    const highlighter = createHighlighter(store, 2000, () => clock);
    // An hour of four remote changes a second, over 120 products.
    for (let i = 0; i < 4 * 3600; i++) {
      clock += 250;
      vi.advanceTimersByTime(250);
      highlighter.mark([`p${i % 120}`]);
      expect(vi.getTimerCount()).toBe(1);
    }
    // The last sweep (every 2 s) kept the 7 ids changed within the 2 s before it; 8 came since.
    expect(Object.keys(store.getState().recentlyChanged)).toHaveLength(15);
    highlighter.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });
});
