/**
 * change_latency: a PATCH sent from the page → committed by the server → `sync` event →
 * applied by the engine, committed to IndexedDB and published by the product store, in
 * Chromium. The clock starts before the request is sent, so the server commit is
 * inside the figure (it cannot be observed alone from outside). Baseline: a naive
 * client that refetches the whole collection on every event and stores it.
 */

import { RESOURCE_NAMES } from '../../src/shared/resources';
import type { Benchmark } from './lib/bench';
import { openBenchPage } from './lib/browser';
import { result, round } from './lib/figures';
import { benchProductId } from './lib/marker';
import { startBenchServer } from './lib/server';
import { bySize } from './lib/sizes';
import { median, p99 } from './lib/stats';

export const changeLatency: Benchmark = {
  name: 'change_latency',
  what: 'PATCH → event → engine applied, IndexedDB committed and store notified, in Chromium',
  async run(ctx) {
    const products = bySize(ctx.size, { full: 1000, quick: 1000, smoke: 50 });
    const writes = bySize(ctx.size, { full: 1000, quick: 200, smoke: 20 });
    const naiveWrites = bySize(ctx.size, { full: 200, quick: 40, smoke: 5 });
    const ids = Array.from({ length: Math.min(products, 100) }, (_, i) => benchProductId(i));
    const bench = await startBenchServer(products);
    const page = await openBenchPage(bench.server.url).catch(async (err) => {
      await bench.close();
      throw err;
    });
    try {
      await page.page.evaluate(
        (resources) => window.bench.startEngine({ dbName: 'bench-change', resources, stream: 'real' }),
        [...RESOURCE_NAMES],
      );
      await page.page.evaluate(() => window.bench.waitOnline(10_000));
      // Warm-up: JIT on both sides, SQLite and IndexedDB caches.
      await page.page.evaluate((a) => window.bench.engineChangeLatency(a.ids, a.n), { ids, n: 20 });
      ctx.log(`${writes} writes through the engine`);
      const engine = await page.page.evaluate((a) => window.bench.engineChangeLatency(a.ids, a.n), {
        ids,
        n: writes,
      });
      await page.page.evaluate(() => window.bench.stopEngine());
      ctx.log(`${naiveWrites} writes through the naive client`);
      const naive = await page.page.evaluate(
        (a) => window.bench.naiveChangeLatency(a.ids, a.n, 'bench-naive-change'),
        { ids, n: naiveWrites },
      );
      const detail = (what: string) =>
        `${writes} sequential PATCHes of ${ids.length} products (catalogue: demo + ${products} products), ` +
        `each timed in the page from fetch() to the store's notification; ${what}; naive: ${naiveWrites} writes, ` +
        `p50 ${round(median(naive))} ms, p99 ${round(p99(naive))} ms`;
      return [
        result({
          name: 'change_latency_p50',
          value: median(engine),
          unit: 'ms',
          baseline: median(naive),
          baselineIs:
            'naive client: refetch the whole collection on every event, one raw IndexedDB transaction',
          target: { on: 'value', op: '<=', limit: 10 },
          detail: detail(`max ${round(Math.max(...engine))} ms`),
        }),
        result({
          name: 'change_latency_p99',
          value: p99(engine),
          unit: 'ms',
          baseline: p99(naive),
          baselineIs:
            'naive client: refetch the whole collection on every event, one raw IndexedDB transaction',
          target: { on: 'value', op: '<=', limit: 30 },
          detail: detail(`max ${round(Math.max(...engine))} ms`),
        }),
      ];
    } finally {
      await page.close();
      await bench.close();
    }
  },
};
