/**
 * catchup_bytes / catchup_time: a client holding N products was offline while 100 of them
 * changed; the engine's reconnect check (status, then /api/sync/changes for the gap)
 * against the naive way, a full refetch of the type through the same engine.
 * Also reports memory for the big catalogue: the server's peak RSS and the page's JS heap.
 */
import type { Benchmark } from './lib/bench';
import { changeProducts, startLoadedEngine } from './lib/engine-page';
import { result, round } from './lib/figures';
import { benchProductId } from './lib/marker';
import { resetPeak } from './lib/procfs';
import { bySize } from './lib/sizes';
import { median } from './lib/stats';

const MiB = 1024 * 1024;

export const catchup: Benchmark = {
  name: 'catchup',
  what: 'reconnect after 100 changes to a big catalogue: catch-up vs full refetch of the type',
  async run(ctx) {
    const products = bySize(ctx.size, { full: 50_000, quick: 10_000, smoke: 300 });
    const changed = bySize(ctx.size, { full: 100, quick: 100, smoke: 20 });
    const reps = bySize(ctx.size, { full: 7, quick: 3, smoke: 2 });
    ctx.log(`server and engine with ${products} products`);
    const setup = await startLoadedEngine(products);
    const { bench, page } = setup;
    try {
      resetPeak(bench.pid());
      const catchups: { ms: number; bytes: number }[] = [];
      for (let r = 0; r < reps; r++) {
        // A different slice each round: every round is 100 real changes.
        const ids = Array.from({ length: changed }, (_, i) => benchProductId((r * changed + i) % products));
        await changeProducts(bench, ids, `round ${r}`);
        const check = await page.page.evaluate(() => window.bench.timedCheck('bench: back online'));
        if (!check.log.some((e) => e.kind === 'gap_caught_up' && e.resource === 'product'))
          throw new Error(`no catch-up: ${JSON.stringify(check.log)}`);
        catchups.push({ ms: check.ms, bytes: check.bytes.items + check.bytes.other });
      }
      ctx.log(`full refetches`);
      const reloads: { ms: number; bytes: number }[] = [];
      for (let r = 0; r < reps; r++) {
        const reload = await page.page.evaluate(() => window.bench.timedReload('product'));
        reloads.push({ ms: reload.ms, bytes: reload.bytes.items + reload.bytes.other });
      }
      const heap = await page.heapUsed();
      const serverPeakKiB = bench.memory().peakKiB;
      const bytes = median(catchups.map((c) => c.bytes));
      const fullBytes = median(reloads.map((c) => c.bytes));
      const ms = median(catchups.map((c) => c.ms));
      const fullMs = median(reloads.map((c) => c.ms));
      const setupText = `${products} products loaded, ${changed} changed while offline, ${reps} rounds (medians)`;
      return [
        result({
          name: 'catchup_bytes',
          value: bytes,
          unit: 'bytes',
          baseline: fullBytes,
          baselineIs: 'full refetch of the product collection through the engine (fetchAll(true))',
          target: { on: 'ratio', op: '<=', limit: 0.01 },
          detail: `${setupText}; response bodies of the whole check (status + changes), from Resource Timing`,
        }),
        result({
          name: 'catchup_time',
          value: ms,
          unit: 'ms',
          baseline: fullMs,
          baselineIs: 'full refetch of the product collection through the engine (fetchAll(true))',
          target: { on: 'ratio', op: '<=', limit: 0.1 },
          detail: `${setupText}; engine.check() from call to resolve, all ten types checked; rounds: ${catchups.map((c) => round(c.ms)).join(', ')} ms`,
        }),
        result({
          name: 'catchup_server_peak_rss',
          value: serverPeakKiB / 1024,
          unit: 'MiB',
          baseline: setup.serverIdleKiB / 1024,
          baselineIs: 'server RSS just after start, before any client read the catalogue',
          detail: `VmHWM of the server process with ${products} products, over the catch-ups and ${reps} full snapshots`,
        }),
        result({
          name: 'catchup_page_js_heap',
          value: heap / MiB,
          unit: 'MiB',
          baseline: setup.heapBefore / MiB,
          baselineIs: 'the same page before the engine started',
          detail: `CDP Runtime.getHeapUsage after GC, engine holding ${products} products (first load took ${round(setup.loadMs)} ms)`,
        }),
      ];
    } finally {
      await setup.close();
    }
  },
};
