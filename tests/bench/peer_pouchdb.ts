/**
 * peer_pouchdb: Red Coral beside the classic offline-first peer, in the same run on the
 * same catalogue (demo + N products, all ten types): our server and engine vs
 * express-pouchdb and pouchdb-browser replicating into IndexedDB, each device a fresh
 * Chromium profile behind a byte-counting relay. Every figure is ours (value) against
 * PouchDB's (baseline); the sides alternate so both see the same machine.
 */
import type { BenchContext, Benchmark } from './lib/bench';
import type { BurstOutcome } from './lib/burst';
import { type Result, result, round } from './lib/figures';
import { type OurSide, startOurSide } from './lib/peer-ours';
import { POUCH_SETTINGS, type PouchSide, startPouchSide } from './lib/peer-pouch';
import type { FirstSync, PeerDevice, PeerSide, RestartOutcome } from './lib/peer-side';
import { bySize } from './lib/sizes';
import { median, p99 } from './lib/stats';

const BASELINE =
  'PouchDB 9 (pouchdb-browser, idb) replicating from express-pouchdb, same catalogue, same run';

interface SideRun {
  first: FirstSync[];
  latency: number[];
  burst: BurstOutcome;
  restarts: RestartOutcome[];
}

/** Initial syncs on fresh profiles (the last device stays open), then the live phases on it. */
async function measure(
  ctx: BenchContext,
  sides: { ours: PeerSide; pouch: PeerSide },
  plan: {
    rounds: number;
    writes: number;
    warmup: number;
    events: number;
    restarts: number;
    timeoutMs: number;
  },
): Promise<{ ours: SideRun; pouch: SideRun }> {
  const first = { ours: [] as FirstSync[], pouch: [] as FirstSync[] };
  const devices: { ours: PeerDevice | null; pouch: PeerDevice | null } = { ours: null, pouch: null };
  try {
    for (let r = 0; r < plan.rounds; r++)
      for (const side of ['ours', 'pouch'] as const) {
        await devices[side]?.close();
        devices[side] = null;
        const device = await sides[side].openSynced(plan.timeoutMs);
        devices[side] = device;
        first[side].push(device.first);
        ctx.log(`first sync ${r + 1}/${plan.rounds}, ${side}: ${round(device.first.ms)} ms`);
      }
    ctx.log(`change latency: ${plan.writes} writes each`);
    const latencyOf = async (d: PeerDevice) => {
      await d.changeLatency(plan.warmup);
      return d.changeLatency(plan.writes);
    };
    const latency = { ours: await latencyOf(devices.ours!), pouch: await latencyOf(devices.pouch!) };
    ctx.log(`burst of ${plan.events} changes`);
    const oursBurst = await devices.ours!.burst(plan.events, 1000);
    // PouchDB gets the same changes as densely as our server took them (≤ 1,000/s).
    const burst = {
      ours: oursBurst,
      pouch: await devices.pouch!.burst(plan.events, oursBurst.writesPerSecond),
    };
    ctx.log(`${plan.restarts} server restart(s)`);
    const restarts = { ours: [] as RestartOutcome[], pouch: [] as RestartOutcome[] };
    for (let r = 0; r < plan.restarts; r++) {
      const ourRestart = await devices.ours!.restart(0);
      restarts.ours.push(ourRestart);
      // The peer server is kept down as long as our process restart just took.
      restarts.pouch.push(await devices.pouch!.restart(ourRestart.downMs));
    }
    const run = (side: 'ours' | 'pouch'): SideRun => ({
      first: first[side],
      latency: latency[side],
      burst: burst[side],
      restarts: restarts[side],
    });
    return { ours: run('ours'), pouch: run('pouch') };
  } finally {
    await devices.ours?.close();
    await devices.pouch?.close();
  }
}

const kib = (bytes: number) => `${round(bytes / 1024)} KiB`;
const wireOf = (f: FirstSync) => f.wire.down + f.wire.up;

/** The figures of one catalogue size; `suffix` tells the second size apart. */
function figures(products: number, suffix: string, ours: SideRun, pouch: SideRun, items: number): Result[] {
  const setup = `demo + ${products} products (${items} items, all ten types)`;
  const firstText = (runs: FirstSync[]) =>
    `${runs.map((f) => round(f.ms)).join(', ')} ms, ${kib(median(runs.map((f) => f.wire.down)))} down, ${kib(median(runs.map((f) => f.wire.up)))} up`;
  const burstText = (b: BurstOutcome) =>
    `longest ${round(b.longestMs)} ms over ${b.tasks} tasks, all stored ${round(b.spanMs)} ms after the first write, the server took ${round(b.writesPerSecond)} changes/s`;
  const restartDown = (runs: RestartOutcome[]) => median(runs.map((r) => r.down));
  const { batch_size, batches_limit, checkpoint } = POUCH_SETTINGS.replication;
  const pouchConfig = `PouchDB: ${POUCH_SETTINGS.adapter}, batch_size ${batch_size}, batches_limit ${batches_limit}, checkpoint ${checkpoint}`;
  return [
    result({
      name: `peer_initial_sync_ratio${suffix}`,
      value: median(ours.first.map((f) => f.ms)),
      unit: 'ms',
      baseline: median(pouch.first.map((f) => f.ms)),
      baselineIs: BASELINE,
      target: { on: 'ratio', op: '<=', limit: 0.5 },
      detail: `${setup}; navigation → every item stored, fresh profile per round (medians); ours: ${firstText(ours.first)}; PouchDB: ${firstText(pouch.first)}; ${pouchConfig}`,
    }),
    result({
      name: `peer_initial_bytes_ratio${suffix}`,
      value: median(ours.first.map(wireOf)),
      unit: 'bytes',
      baseline: median(pouch.first.map(wireOf)),
      baselineIs: BASELINE,
      target: { on: 'ratio', op: '<=', limit: 1 },
      detail: `${setup}; TCP payload both ways at the relay (headers, bodies as sent, PouchDB's gzip included) for the first sync; ours ${kib(median(ours.first.map((f) => f.wire.down)))} down + ${kib(median(ours.first.map((f) => f.wire.up)))} up, PouchDB ${kib(median(pouch.first.map((f) => f.wire.down)))} down + ${kib(median(pouch.first.map((f) => f.wire.up)))} up`,
    }),
    result({
      name: `peer_change_latency_ratio${suffix}`,
      value: median(ours.latency),
      unit: 'ms',
      baseline: median(pouch.latency),
      baselineIs: BASELINE,
      target: { on: 'ratio', op: '<=', limit: 1 },
      detail: `${setup}; ${ours.latency.length} sequential writes from the page (ours PATCH, PouchDB PUT of the new revision) → stored and observable (our store's notification; PouchDB live replication's change event, emitted once the batch is written); p50 ours ${round(median(ours.latency))} ms / PouchDB ${round(median(pouch.latency))} ms, p99 ${round(p99(ours.latency))} / ${round(p99(pouch.latency))} ms`,
    }),
    result({
      name: `peer_restart_bytes${suffix}`,
      value: median(ours.restarts.map((r) => r.itemBytes)),
      unit: 'bytes',
      baseline: restartDown(pouch.restarts),
      baselineIs: "PouchDB's checkpoint resume: everything it downloaded after its server restarted",
      target: { on: 'value', op: '<=', limit: 0 },
      detail: `${setup}; ${ours.restarts.length} restarts (medians); value: our item bytes (collection and change-list bodies); ours downloaded ${restartDown(ours.restarts)} bytes in all (${ours.restarts.at(-1)?.detail}); PouchDB item bytes ${median(pouch.restarts.map((r) => r.itemBytes))} (${pouch.restarts.at(-1)?.detail})`,
    }),
    result({
      name: `peer_restart_wire_bytes${suffix}`,
      value: restartDown(ours.restarts),
      unit: 'bytes',
      baseline: restartDown(pouch.restarts),
      baselineIs: "PouchDB's checkpoint resume: everything it downloaded after its server restarted",
      target: { on: 'ratio', op: '<=', limit: 1 },
      detail: `${setup}; server → device at the relay from the restart until back in sync and idle, ${ours.restarts.length} restarts (medians), each server unreachable ${round(median(ours.restarts.map((r) => r.downMs)))} ms (our process restart; the peer's kept down as long); ours ${ours.restarts.map((r) => r.down).join(', ')} bytes; PouchDB ${pouch.restarts.map((r) => r.down).join(', ')} bytes`,
    }),
    result({
      name: `peer_burst_jank${suffix}`,
      value: ours.burst.longestMs,
      unit: 'ms',
      baseline: pouch.burst.longestMs,
      baselineIs: BASELINE,
      target: { on: 'ratio', op: '<=', limit: 1 },
      detail: `${setup}; longest renderer main-thread task (devtools trace) from the first write until every change is stored; ours: PATCHes asked at 1,000/s, ${burstText(ours.burst)}; PouchDB: _bulk_docs of 10 paced to our rate, ${burstText(pouch.burst)}; ${ours.burst.failed + pouch.burst.failed} failed writes`,
    }),
  ];
}

async function runSize(ctx: BenchContext, products: number, suffix: string): Promise<Result[]> {
  const plan = {
    rounds: bySize(ctx.size, { full: 3, quick: 3, smoke: 1 }),
    writes: bySize(ctx.size, { full: 200, quick: 50, smoke: 5 }),
    warmup: bySize(ctx.size, { full: 20, quick: 10, smoke: 2 }),
    events: bySize(ctx.size, { full: 1000, quick: 1000, smoke: 50 }),
    restarts: bySize(ctx.size, { full: 5, quick: 3, smoke: 1 }),
    timeoutMs: 900_000,
  };
  ctx.log(`our server and the peer server with demo + ${products} products`);
  let ours: OurSide | null = null;
  let pouch: PouchSide | null = null;
  try {
    ours = await startOurSide(products);
    pouch = await startPouchSide(ours.bench.api);
    const runs = await measure(ctx, { ours, pouch }, plan);
    return figures(products, suffix, runs.ours, runs.pouch, runs.ours.first[0]!.items);
  } finally {
    await pouch?.close();
    await ours?.close();
  }
}

export const peerPouchdb: Benchmark = {
  name: 'peer_pouchdb',
  figurePrefix: 'peer_',
  what: 'side by side with PouchDB: first sync, bytes, change latency, restart and burst against pouchdb-browser + express-pouchdb on the same catalogue',
  async run(ctx) {
    const sizes = bySize(ctx.size, { full: [10_000, 50_000], quick: [5000], smoke: [100] });
    const out: Result[] = [];
    for (const [i, products] of sizes.entries())
      out.push(...(await runSize(ctx, products, i === 0 ? '' : `_${products / 1000}k`)));
    return out;
  },
};
