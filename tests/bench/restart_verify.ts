/**
 * restart_verify: the server restarts (new epoch) on unchanged data while a client holds
 * the big catalogue; the engine's check must prove by digest that nothing changed and
 * download no item. Baseline: the naive answer to a new epoch, a full reload of every
 * loaded type.
 */
import type { Benchmark } from './lib/bench';
import { startLoadedEngine } from './lib/engine-page';
import { result, round } from './lib/figures';
import { bySize } from './lib/sizes';
import { median } from './lib/stats';

export const restartVerify: Benchmark = {
  name: 'restart_verify',
  what: 'server restarted with the same data: item bytes downloaded and time of the check',
  async run(ctx) {
    const products = bySize(ctx.size, { full: 50_000, quick: 10_000, smoke: 300 });
    const reps = bySize(ctx.size, { full: 5, quick: 3, smoke: 1 });
    ctx.log(`server and engine with ${products} products`);
    const setup = await startLoadedEngine(products);
    const { bench, page } = setup;
    try {
      const checks: { ms: number; items: number; other: number }[] = [];
      for (let r = 0; r < reps; r++) {
        const epoch = await bench.server.epoch();
        await bench.restart();
        if ((await bench.server.epoch()) === epoch) throw new Error('restart kept the epoch');
        const check = await page.page.evaluate(() => window.bench.timedCheck('bench: server restarted'));
        if (!check.log.some((e) => e.kind === 'digest_verified' && e.resource === 'product'))
          throw new Error(`product not verified by digest: ${JSON.stringify(check.log)}`);
        checks.push({ ms: check.ms, items: check.bytes.items, other: check.bytes.other });
      }
      ctx.log('full reloads');
      const reloads: { ms: number; items: number }[] = [];
      for (let r = 0; r < reps; r++) {
        const reload = await page.page.evaluate(() => window.bench.timedReload(null));
        reloads.push({ ms: reload.ms, items: reload.bytes.items });
      }
      const baselineIs = 'full reload of every loaded type after the new epoch (engine.refreshAll())';
      const setupText = `${products} products + the demo's other nine types loaded; ${reps} restarts (medians)`;
      return [
        result({
          name: 'restart_verify_bytes',
          value: median(checks.map((c) => c.items)),
          unit: 'bytes',
          baseline: median(reloads.map((c) => c.items)),
          baselineIs,
          target: { on: 'value', op: '<=', limit: 0 },
          detail: `${setupText}; item bytes = bodies of collection and /api/sync/changes requests; the status read itself was ${median(checks.map((c) => c.other))} bytes`,
        }),
        result({
          name: 'restart_verify_time',
          value: median(checks.map((c) => c.ms)),
          unit: 'ms',
          baseline: median(reloads.map((c) => c.ms)),
          baselineIs,
          target: { on: 'value', op: '<=', limit: 50 },
          detail: `${setupText}; engine.check() from call to resolve: ${checks.map((c) => round(c.ms)).join(', ')} ms`,
        }),
      ];
    } finally {
      await setup.close();
    }
  },
};
