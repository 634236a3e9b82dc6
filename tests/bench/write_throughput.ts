/**
 * write_throughput: single-item PATCHes (durable commits: WAL, synchronous=FULL) from
 * autocannon in another process while 100 SSE clients in a third process receive every
 * change. Writes/s = committed versions / duration, read from the server's status.
 */
import type { SyncStatus } from '../../src/shared/protocol';
import type { Benchmark } from './lib/bench';
import { result, round } from './lib/figures';
import { healthCeiling, runLoad } from './lib/load';
import { startBenchServer } from './lib/server';
import { bySize } from './lib/sizes';
import { openStreams } from './lib/streams';

export const writeThroughput: Benchmark = {
  name: 'write_throughput',
  what: 'PATCH /api/products/:id commits per second with 100 SSE clients attached',
  async run(ctx) {
    const durationS = bySize(ctx.size, { full: 10, quick: 3, smoke: 1 });
    const clients = bySize(ctx.size, { full: 100, quick: 100, smoke: 10 });
    const products = bySize(ctx.size, { full: 1000, quick: 1000, smoke: 50 });
    const connections = 16;
    const bench = await startBenchServer(products);
    const streams = await openStreams({
      url: bench.server.url,
      token: bench.token,
      count: clients,
      mode: 'sse',
    });
    try {
      if (streams.connected !== clients)
        throw new Error(`only ${streams.connected}/${clients} streams opened`);
      const health = await healthCeiling(bench.server.url, connections, durationS);
      const before = await bench.api.ok<SyncStatus>('GET', '/api/sync/status');
      await streams.reset();
      ctx.log(`${durationS} s of writes with ${clients} streams`);
      const load = await runLoad({
        url: bench.server.url,
        connections,
        durationS,
        kind: 'patch-products',
        token: bench.token,
        products,
      });
      const after = await bench.api.ok<SyncStatus>('GET', '/api/sync/status');
      const committed = after.versions.product - before.versions.product;
      // Let the last events reach the clients before counting them.
      await new Promise((r) => setTimeout(r, 500));
      const seen = await streams.report();
      const expected = committed * clients;
      return [
        result({
          name: 'write_throughput',
          value: committed / load.durationS,
          unit: 'writes/s',
          baseline: health.rps,
          baselineIs: 'GET /api/health req/s, same connections, same run (framework ceiling)',
          target: { on: 'value', op: '>=', limit: 2000 },
          detail:
            `${committed} commits in ${load.durationS} s by autocannon (${connections} connections; ` +
            `request p50 ${load.latencyP50} ms, p99 ${load.latencyP99} ms; ${load.non2xx} non-2xx); ` +
            `${clients} SSE clients received ${seen.received}/${expected} events ` +
            `(write → receive p50 ${round(seen.histogram.quantile(0.5))} ms, p99 ${round(seen.histogram.quantile(0.99))} ms), ${seen.lost} lost`,
        }),
      ];
    } finally {
      await streams.close();
      await bench.close();
    }
  },
};
