/**
 * burst_no_jank: 1,000 product changes written as fast as the server commits them (asked
 * for within 1 s) while the engine applies them in Chromium: the longest main-thread
 * task, from a devtools trace, with the Long Tasks API as a cross-check. Baseline: a
 * naive client that applies each event in its own IndexedDB transaction and copies the
 * product array per event.
 */
import type { SyncStatus } from '../../src/shared/protocol';
import { RESOURCE_NAMES } from '../../src/shared/resources';
import type { Benchmark } from './lib/bench';
import type { BenchPage } from './lib/browser';
import { openBenchPage } from './lib/browser';
import { type BurstOutcome, tracedBurst } from './lib/burst';
import { result, round } from './lib/figures';
import { type BenchServer, startBenchServer } from './lib/server';
import { bySize } from './lib/sizes';
import { writeAtRate } from './lib/writer';

interface BurstWithLongTasks extends BurstOutcome {
  longTasks: number[];
}

/** Writes `events` changes at up to 1,000/s while `applied(version)` resolves once the page has them all. */
async function burst(
  bench: BenchServer,
  page: BenchPage,
  events: number,
  products: number,
  applied: (version: number) => Promise<void>,
): Promise<BurstWithLongTasks> {
  const before = await bench.api.ok<SyncStatus>('GET', '/api/sync/status');
  await page.page.evaluate(() => window.bench.startLongTasks());
  const outcome = await tracedBurst(
    page.browser,
    page.page,
    events,
    () => writeAtRate(bench.api, 1000, events / 1000, products),
    () => applied(before.versions.product + events),
  );
  const longTasks = await page.page.evaluate(() => window.bench.stopLongTasks());
  return { ...outcome, longTasks };
}

export const burstNoJank: Benchmark = {
  name: 'burst_no_jank',
  what: '1,000 events within 1 s applied in Chromium: longest main-thread task',
  async run(ctx) {
    const products = bySize(ctx.size, { full: 10_000, quick: 2000, smoke: 100 });
    const events = bySize(ctx.size, { full: 1000, quick: 1000, smoke: 100 });
    const bench = await startBenchServer(products);
    let page: BenchPage | null = null;
    try {
      page = await openBenchPage(bench.server.url);
      const p = page.page;
      await p.evaluate(
        (resources) => window.bench.startEngine({ dbName: 'bench-burst', resources, stream: 'real' }),
        [...RESOURCE_NAMES],
      );
      await p.evaluate(() => window.bench.waitOnline(10_000));
      ctx.log(`engine: ${events} events over ${products} products`);
      const engine = await burst(bench, page, events, products, async (v) => {
        await p.evaluate((version) => window.bench.waitProductVersion(version, 60_000), v);
      });
      await p.evaluate(() => window.bench.stopEngine());
      await p.evaluate(() => window.bench.startNaiveApplier('bench-naive-burst'));
      ctx.log('naive applier');
      const naive = await burst(bench, page, events, products, async (v) => {
        await p.evaluate((version) => window.bench.waitNaiveVersion(version, 60_000), v);
      });
      await p.evaluate(() => window.bench.stopNaiveApplier());
      const describe = (o: BurstWithLongTasks) =>
        `longest ${round(o.longestMs)} ms over ${o.tasks} tasks, ${o.longTasks.length} long task(s) reported` +
        `${o.longTasks.length ? ` (max ${round(Math.max(...o.longTasks))} ms)` : ''}, all applied ${round(o.spanMs)} ms after the first write`;
      return [
        result({
          name: 'burst_no_jank',
          value: engine.longestMs,
          unit: 'ms',
          baseline: naive.longestMs,
          baselineIs: 'naive client: one IndexedDB transaction and one immutable array copy per event',
          target: { on: 'value', op: '<=', limit: 50 },
          detail:
            `${events} PATCHes asked for at 1,000/s, the server committed ${round(engine.writesPerSecond)}/s; ` +
            `${products} products loaded; engine: ${describe(engine)}; naive: ${describe(naive)}`,
        }),
      ];
    } finally {
      await page?.close();
      await bench.close();
    }
  },
};
