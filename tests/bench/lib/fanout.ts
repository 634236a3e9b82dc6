/**
 * fanout_1k / fanout_10k: N SSE clients in other processes, 50 writes/s: write → receive
 * latency (writer's send to the client's read, one system-wide clock) and the server's
 * memory per connection. Baseline: the same N clients polling /api/sync/changes every
 * second, the usual alternative to a push channel.
 */
import type { SyncStatus } from '../../../src/shared/protocol';
import type { BenchContext } from './bench';
import { type Result, result, round } from './figures';
import { startBenchServer } from './server';
import { bySize } from './sizes';
import { openStreams, type StreamGroup } from './streams';
import { writeAtRate } from './writer';

export interface FanoutPlan {
  name: string;
  clients: number;
  p99LimitMs: number;
}

const RATE = 50;
const PRODUCTS = 1000;

async function settle(ms: number) {
  await new Promise((r) => setTimeout(r, ms));
}

export async function runFanout(ctx: BenchContext, plan: FanoutPlan): Promise<Result[]> {
  // Quick keeps the 1k case whole and shrinks the 10k one (opening and draining 10k streams takes minutes).
  const clients = bySize(ctx.size, { full: plan.clients, quick: Math.min(plan.clients, 3000), smoke: 20 });
  const seconds = bySize(ctx.size, { full: 20, quick: 3, smoke: 1 });
  const pollSeconds = bySize(ctx.size, { full: 10, quick: 3, smoke: 2 });
  const processes = clients >= 5000 ? 2 : 1;
  const bench = await startBenchServer(PRODUCTS);
  let group: StreamGroup | null = null;
  try {
    // Warm-up writes, so JIT and caches are not charged to the connections.
    await writeAtRate(bench.api, 100, 1, PRODUCTS);
    await settle(500);
    const before = bench.memory().rssKiB;
    ctx.log(`opening ${clients} SSE streams in ${processes} client process(es)`);
    group = await openStreams(
      { url: bench.server.url, token: bench.token, count: clients, mode: 'sse' },
      processes,
    );
    if (group.connected < clients) throw new Error(`only ${group.connected}/${clients} streams opened`);
    await settle(500);
    const connected = bench.memory().rssKiB;
    await group.reset();
    ctx.log(`${RATE} writes/s for ${seconds} s`);
    const writes = await writeAtRate(bench.api, RATE, seconds, PRODUCTS);
    await settle(1000);
    const sse = await group.report();
    const after = bench.memory();
    await group.close();
    group = null;

    await settle(1000);
    const pollBefore = bench.memory().rssKiB;
    const status = await bench.api.ok<SyncStatus>('GET', '/api/sync/status');
    ctx.log(`baseline: ${clients} clients polling every 1 s for ${pollSeconds} s`);
    group = await openStreams(
      {
        url: bench.server.url,
        token: bench.token,
        count: clients,
        mode: 'poll',
        pollMs: 1000,
        since: status.versions.product,
      },
      processes,
    );
    await settle(500);
    const pollConnected = bench.memory().rssKiB;
    await group.reset();
    const pollWrites = await writeAtRate(bench.api, RATE, pollSeconds, PRODUCTS);
    await settle(2500);
    const poll = await group.report();
    await group.close();
    group = null;

    // Connection cost is read with the clients idle: heap churn of the writes is not theirs.
    const perConn = (connected - before) / clients;
    const pollPerConn = (pollConnected - pollBefore) / clients;
    const delivered = `${sse.received}/${writes.sent * clients} events delivered, ${sse.lost} connections lost, writer lag ≤ ${round(writes.maxLagMs)} ms`;
    const pollText = `polling: p50 ${round(poll.histogram.quantile(0.5))} ms, p99 ${round(poll.histogram.quantile(0.99))} ms, ${poll.received}/${pollWrites.sent * clients} changes seen`;
    const baselineIs = `the same ${clients} clients polling /api/sync/changes every 1 s (${pollSeconds} s at ${RATE} writes/s)`;
    return [
      result({
        name: `${plan.name}_p99`,
        value: sse.histogram.quantile(0.99),
        unit: 'ms',
        baseline: poll.histogram.quantile(0.99),
        baselineIs,
        target: { on: 'value', op: '<=', limit: plan.p99LimitMs },
        detail: `${sse.histogram.quantile(0.99) >= 60_000 ? 'p99 is at the 60 s histogram ceiling, so at least 60 s; ' : ''}${clients} SSE clients in ${processes} other process(es), ${RATE} writes/s for ${seconds} s; p50 ${round(sse.histogram.quantile(0.5))} ms, max ${round(sse.histogram.max)} ms; ${delivered}; ${pollText}`,
      }),
      result({
        name: `${plan.name}_memory_per_connection`,
        value: perConn,
        unit: 'KiB',
        baseline: pollPerConn,
        baselineIs: `server RSS growth per polling client (keep-alive connection), same clients`,
        target: { on: 'value', op: '<=', limit: 10 },
        detail: `server RSS ${round(before / 1024)} MiB before, ${round(connected / 1024)} MiB with ${clients} streams open, ${round(after.rssKiB / 1024)} MiB after the writes (peak ${round(after.peakKiB / 1024)} MiB); figure = (open − before) / clients`,
      }),
    ];
  } finally {
    await group?.close();
    await bench.close();
  }
}
