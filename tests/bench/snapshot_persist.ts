/**
 * snapshot_persist: a full snapshot of the big catalogue fetched and written through the
 * engine (fetchAll(true): parse, digest check, one Dexie transaction, store publish) vs
 * the rawest way to do the same: fetch, parse, one IndexedDB transaction of put()s.
 * Both include the same fetch, so the ratio is the engine's overhead.
 */
import type { Benchmark } from './lib/bench';
import { startLoadedEngine } from './lib/engine-page';
import { result, round } from './lib/figures';
import { bySize } from './lib/sizes';
import { median } from './lib/stats';

export const snapshotPersist: Benchmark = {
  name: 'snapshot_persist',
  what: 'full product snapshot written through the engine vs one raw IndexedDB transaction of puts',
  async run(ctx) {
    const products = bySize(ctx.size, { full: 50_000, quick: 5000, smoke: 300 });
    const reps = bySize(ctx.size, { full: 5, quick: 3, smoke: 2 });
    ctx.log(`server and engine with ${products} products`);
    const setup = await startLoadedEngine(products, ['product']);
    const { page } = setup;
    try {
      const engine: number[] = [];
      const raw: number[] = [];
      // Alternate, so both see the same machine state (GC, disk, caches).
      for (let r = 0; r < reps; r++) {
        engine.push((await page.page.evaluate(() => window.bench.timedReload('product'))).ms);
        raw.push((await page.page.evaluate(() => window.bench.rawSnapshotPersist('bench-raw'))).ms);
      }
      return [
        result({
          name: 'snapshot_persist',
          value: median(engine),
          unit: 'ms',
          baseline: median(raw),
          baselineIs: 'fetch + JSON parse + one raw IndexedDB readwrite transaction (clear, put per item)',
          target: { on: 'ratio', op: '<=', limit: 1.2 },
          detail: `${products} products, ${reps} alternating rounds (medians); engine ${engine.map(round).join(', ')} ms; raw ${raw.map(round).join(', ')} ms`,
        }),
      ];
    } finally {
      await setup.close();
    }
  },
};
