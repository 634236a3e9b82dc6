/**
 * fanout_2x: the fanout benchmark (lib/fanout.ts) across two server instances sharing one
 * PostgreSQL database (docs/SCALING.md). A throwaway cluster (tests/helpers/postgres.ts)
 * gets the demo + bench products through the server's own PostgresStorage; then:
 *
 * 1. Baseline: one fresh instance, all N clients on it, writes through it — the same
 *    clients on PostgreSQL without the second instance.
 * 2. Two fresh instances A and B: N/2 clients on A, N/2 on B, writes through A. A's
 *    clients get each change from A's own commit (the feed reads the log right after it);
 *    B's only through PostgreSQL: NOTIFY to B's LISTEN connection, then B reads the log.
 *
 * Both phases use two client processes of N/2 streams each, so the client side is the
 * same; latency is writer's send → client's read on one system-wide clock (lib/clock.ts).
 */

import { PostgresStorage } from '../../../server/storage/postgres';
import { type PostgresCluster, startPostgres } from '../../helpers/postgres';
import { startServer, type TestServer } from '../../helpers/server';
import type { BenchContext } from './bench';
import { type Result, result, round } from './figures';
import { ApiClient } from './http';
import { memoryOf, type ProcMemory, pidListeningOn } from './procfs';
import { ADMIN_PIN, seedBenchCatalogue } from './seed';
import { bySize } from './sizes';
import { Histogram } from './stats';
import { openStreams, type StreamGroup } from './streams';
import { type WriteRun, writeAtRate } from './writer';

export interface InstancesPlan {
  name: string;
  /** Clients in all, split evenly between the two instances. */
  clients: number;
  p99LimitMs: number;
}

const RATE = 50;

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One running instance and the pid behind its port (for /proc memory readings). */
interface Instance {
  server: TestServer;
  pid: number;
  memory(): ProcMemory;
}

async function startInstance(databaseUrl: string, live: TestServer[]): Promise<Instance> {
  const server = await startServer({ databaseUrl, adminPin: ADMIN_PIN, env: { LOG_LEVEL: 'warn' } });
  live.push(server);
  const pid = pidListeningOn(server.port);
  if (pid === null) throw new Error(`no process listens on port ${server.port}`);
  return { server, pid, memory: () => memoryOf(pid) };
}

/** Stops an instance started by startInstance and forgets it. */
async function stopInstance(instance: Instance, live: TestServer[]): Promise<void> {
  await instance.server.stop();
  live.splice(live.indexOf(instance.server), 1);
}

/** Where one group of clients connects. */
interface Placement {
  instance: Instance;
  count: number;
}

interface GroupOutcome {
  histogram: Histogram;
  received: number;
  expected: number;
  lost: number;
}

interface InstanceMemory {
  beforeKiB: number;
  openKiB: number;
  after: ProcMemory;
  streams: number;
}

interface PhaseOutcome {
  groups: GroupOutcome[];
  writes: WriteRun;
  /** Per distinct instance, in placement order. */
  memory: InstanceMemory[];
}

/**
 * Opens each placement's clients in its own process, then writes RATE/s for `seconds`
 * through `api`, and reads every group's latencies and every instance's memory.
 */
async function runPhase(
  ctx: BenchContext,
  api: ApiClient,
  token: string,
  placements: Placement[],
  seconds: number,
  products: number,
  openGroups: Set<StreamGroup>,
): Promise<PhaseOutcome> {
  const instances = [...new Set(placements.map((p) => p.instance))];
  // Warm-up writes through every instance, so JIT, heap growth and caches of serving
  // HTTP are not charged to the connections (B would otherwise serve its first request here).
  const warmSeconds = bySize(ctx.size, { full: 1, quick: 1, smoke: 0.2 });
  await Promise.all(
    instances.map(async (i) => {
      const warm = new ApiClient(i.server.url, token);
      try {
        await writeAtRate(warm, 50, warmSeconds, products);
      } finally {
        warm.close();
      }
    }),
  );
  await settle(500);
  const before = instances.map((i) => i.memory().rssKiB);
  const groups: StreamGroup[] = [];
  try {
    // One client process per placement, opened side by side.
    const opened = await Promise.allSettled(
      placements.map((p) =>
        openStreams({ url: p.instance.server.url, token, count: p.count, mode: 'sse' }, 1),
      ),
    );
    for (const o of opened)
      if (o.status === 'fulfilled') {
        openGroups.add(o.value);
        groups.push(o.value);
      }
    for (const o of opened) if (o.status === 'rejected') throw o.reason;
    placements.forEach((p, k) => {
      const connected = groups[k]!.connected;
      if (connected < p.count)
        throw new Error(`only ${connected}/${p.count} streams opened on ${p.instance.server.url}`);
    });
    await settle(500);
    const open = instances.map((i) => i.memory().rssKiB);
    await Promise.all(groups.map((g) => g.reset()));
    ctx.log(`${RATE} writes/s for ${seconds} s`);
    const writes = await writeAtRate(api, RATE, seconds, products);
    await settle(bySize(ctx.size, { full: 1000, quick: 1000, smoke: 500 }));
    const reports = await Promise.all(groups.map((g) => g.report()));
    const after = instances.map((i) => i.memory());
    return {
      writes,
      groups: reports.map((r, k) => ({
        histogram: r.histogram,
        received: r.received,
        expected: writes.sent * placements[k]!.count,
        lost: r.lost,
      })),
      memory: instances.map((instance, k) => ({
        beforeKiB: before[k]!,
        openKiB: open[k]!,
        after: after[k]!,
        streams: placements.filter((p) => p.instance === instance).reduce((n, p) => n + p.count, 0),
      })),
    };
  } finally {
    for (const g of groups) {
      await g.close();
      openGroups.delete(g);
    }
  }
}

const merged = (groups: GroupOutcome[]): GroupOutcome => {
  const histogram = new Histogram();
  for (const g of groups) histogram.merge(g.histogram);
  return {
    histogram,
    received: groups.reduce((n, g) => n + g.received, 0),
    expected: groups.reduce((n, g) => n + g.expected, 0),
    lost: groups.reduce((n, g) => n + g.lost, 0),
  };
};

const signed = (v: number) => `${v >= 0 ? '+' : '−'}${round(Math.abs(v))}`;

const latencyText = (g: GroupOutcome) =>
  `p50 ${round(g.histogram.quantile(0.5))} ms, p99 ${round(g.histogram.quantile(0.99))} ms, max ${round(g.histogram.max)} ms, ${g.received}/${g.expected} events`;

const memoryText = (label: string, m: InstanceMemory) =>
  `${label} RSS ${round(m.beforeKiB / 1024)} MiB before, ${round(m.openKiB / 1024)} MiB with ${m.streams} streams open, ${round(m.after.rssKiB / 1024)} MiB after the writes (peak ${round(m.after.peakKiB / 1024)} MiB)`;

/** (open − before) summed over instances / clients. */
const perConnection = (memory: InstanceMemory[]) =>
  memory.reduce((kib, m) => kib + m.openKiB - m.beforeKiB, 0) / memory.reduce((n, m) => n + m.streams, 0);

export async function runFanoutInstances(ctx: BenchContext, plan: InstancesPlan): Promise<Result[]> {
  const clients = bySize(ctx.size, { full: plan.clients, quick: plan.clients, smoke: 20 });
  const seconds = bySize(ctx.size, { full: 20, quick: 3, smoke: 1 });
  const products = bySize(ctx.size, { full: 1000, quick: 1000, smoke: 200 });
  const half = Math.ceil(clients / 2);
  const live: TestServer[] = [];
  const openGroups = new Set<StreamGroup>();
  const apis: ApiClient[] = [];
  let cluster: PostgresCluster | null = null;
  try {
    ctx.log('starting PostgreSQL and seeding the catalogue');
    cluster = await startPostgres();
    const url = await cluster.createDatabase();
    const storage = await PostgresStorage.open({ url, logRetention: 10_000, poolSize: 4, pollMs: 1000 });
    try {
      await seedBenchCatalogue(storage, products);
    } finally {
      await storage.close();
    }

    // Phase 1, the baseline: one instance, every client on it.
    const single = await startInstance(url, live);
    const singleToken = await single.server.login();
    const singleApi = new ApiClient(single.server.url, singleToken);
    apis.push(singleApi);
    ctx.log(`baseline: ${clients} SSE clients on one instance`);
    const one = await runPhase(
      ctx,
      singleApi,
      singleToken,
      [
        { instance: single, count: half },
        { instance: single, count: clients - half },
      ],
      seconds,
      products,
      openGroups,
    );
    singleApi.close();
    await stopInstance(single, live);

    // Phase 2: two fresh instances, half the clients on each, writes through A.
    const a = await startInstance(url, live);
    const b = await startInstance(url, live);
    const token = await a.server.login(); // sessions live in the database: valid on B too
    const api = new ApiClient(a.server.url, token);
    apis.push(api);
    ctx.log(`${half} SSE clients on instance A (writes), ${clients - half} on instance B`);
    const two = await runPhase(
      ctx,
      api,
      token,
      [
        { instance: a, count: half },
        { instance: b, count: clients - half },
      ],
      seconds,
      products,
      openGroups,
    );

    const base = merged(one.groups);
    const [same, cross] = two.groups as [GroupOutcome, GroupOutcome];
    const all = merged(two.groups);
    const baselineP99 = base.histogram.quantile(0.99);
    const baselineIs = `the same ${clients} clients (two processes) on one instance of the same PostgreSQL deployment, ${RATE} writes/s for ${seconds} s`;
    const setup = `${clients} SSE clients in 2 other processes, ${half} on A (the writer's instance) and ${clients - half} on B; ${RATE} writes/s for ${seconds} s through A, writer lag ≤ ${round(two.writes.maxLagMs)} ms, ${two.writes.failed} failed; ${all.lost} connections lost`;
    const split = `A (same instance): ${latencyText(same)}; B (cross instance): ${latencyText(cross)}; one instance (baseline): ${latencyText(base)}, writer lag ≤ ${round(one.writes.maxLagMs)} ms`;
    const gap = `B − A: p50 ${signed(cross.histogram.quantile(0.5) - same.histogram.quantile(0.5))} ms, p99 ${signed(cross.histogram.quantile(0.99) - same.histogram.quantile(0.99))} ms`;
    const target = { on: 'value' as const, op: '<=' as const, limit: plan.p99LimitMs };
    return [
      result({
        name: `${plan.name}_p99`,
        value: all.histogram.quantile(0.99),
        unit: 'ms',
        baseline: baselineP99,
        baselineIs,
        target,
        detail: `all clients of both instances; ${setup}; ${split}`,
      }),
      result({
        name: `${plan.name}_p99_same_instance`,
        value: same.histogram.quantile(0.99),
        unit: 'ms',
        baseline: baselineP99,
        baselineIs,
        target,
        detail: `the ${half} clients on A, which committed the writes: commit → A's feed reads the log → A's hub; ${latencyText(same)}`,
      }),
      result({
        name: `${plan.name}_p99_cross_instance`,
        value: cross.histogram.quantile(0.99),
        unit: 'ms',
        baseline: baselineP99,
        baselineIs,
        target,
        detail: `the ${clients - half} clients on B, which learns of A's commits only through PostgreSQL: NOTIFY → B's feed reads the log → B's hub; ${latencyText(cross)}; ${gap}`,
      }),
      result({
        name: `${plan.name}_memory_per_connection`,
        value: perConnection(two.memory),
        unit: 'KiB',
        baseline: perConnection(one.memory),
        baselineIs: `RSS growth per stream of the single instance holding all ${clients} streams`,
        target: { on: 'value', op: '<=', limit: 10 },
        detail: `${memoryText('A', two.memory[0]!)}; ${memoryText('B', two.memory[1]!)}; ${memoryText('one instance (baseline)', one.memory[0]!)}; figure = Σ(open − before) / clients, each instance fresh`,
      }),
    ];
  } finally {
    for (const g of openGroups) await g.close();
    for (const api of apis) api.close();
    for (const server of [...live]) await server.stop();
    await cluster?.stop();
  }
}
