/**
 * status_rps: GET /api/sync/status under autocannon from another process, against
 * GET /api/health measured the same way in the same run (the framework's ceiling).
 */
import type { Benchmark } from './lib/bench';
import { result } from './lib/figures';
import { healthCeiling, runLoad } from './lib/load';
import { startBenchServer } from './lib/server';
import { bySize } from './lib/sizes';

export const statusRps: Benchmark = {
  name: 'status_rps',
  what: 'GET /api/sync/status requests per second, load tool in another process',
  async run(ctx) {
    const durationS = bySize(ctx.size, { full: 10, quick: 3, smoke: 1 });
    const connections = 32;
    const bench = await startBenchServer(bySize(ctx.size, { full: 1000, quick: 1000, smoke: 0 }));
    try {
      // Warm-up: JIT and SQLite page cache, not measured.
      await runLoad({
        url: bench.server.url,
        connections,
        durationS: 1,
        kind: 'get',
        path: '/api/sync/status',
      });
      ctx.log(`health for ${durationS} s`);
      const health = await healthCeiling(bench.server.url, connections, durationS);
      ctx.log(`status for ${durationS} s`);
      const status = await runLoad({
        url: bench.server.url,
        connections,
        durationS,
        kind: 'get',
        path: '/api/sync/status',
      });
      if (status.ok === 0) throw new Error(`no successful status request (${status.non2xx} non-2xx)`);
      return [
        result({
          name: 'status_rps',
          value: status.rps,
          unit: 'req/s',
          baseline: health.rps,
          baselineIs: 'GET /api/health, same load, same run (framework ceiling)',
          target: { on: 'value', op: '>=', limit: 10_000 },
          detail: `autocannon, ${connections} connections, ${durationS} s; latency p50 ${status.latencyP50} ms, p99 ${status.latencyP99} ms; ${status.non2xx} non-2xx, ${status.errors} errors`,
        }),
      ];
    } finally {
      await bench.close();
    }
  },
};
