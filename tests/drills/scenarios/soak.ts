/**
 * soak: fifty tablets connected for minutes while the back office writes continuously.
 * Memory of the server (every 2 s) and of every page (after a forced GC, at the end of
 * the warm-up and at the end) must not grow beyond the bounds below: a leak shows as
 * steady growth.
 */
import type { Scenario } from '../runner';

/** Allowed growth from the warm-up sample to the end (docs/DRILLS.md). */
export const SOAK_BOUNDS = {
  serverHeapBytes: 32 * 1024 * 1024,
  pageHeapMedianBytes: 2 * 1024 * 1024,
  pageHeapMaxBytes: 5 * 1024 * 1024,
};

const MiB = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

export const soak: Scenario = {
  name: 'soak',
  summary: '50 clients and continuous writes for N minutes; memory growth of server and pages bounded',
  clients: 50,
  seconds: 120,
  convergeMs: 30_000,
  evidence: [],
  async run(ctx) {
    const minutes = ctx.options.minutes;
    const duration = minutes === undefined ? ctx.durationMs : minutes * 60_000;
    const warmUp = Math.min(30_000, duration / 5);
    // The server cannot be made to collect garbage from outside, so its heap is sampled
    // every few seconds and judged by the low points of the sawtooth: the lowest sample of
    // the first and of the last third of the run approximate what is really kept alive.
    const serverHeap: number[] = [];
    const serverRss: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const { memory } = await ctx.control.state();
        serverHeap.push(memory.heapUsedBytes);
        serverRss.push(memory.rssBytes);
        await ctx.sleep(2000);
      }
    })();
    const pageHeaps = async () => (await Promise.all(ctx.clients.map((c) => c.heapUsed()))).flat();
    await ctx.sleep(warmUp);
    const skip = serverHeap.length;
    const before = await pageHeaps();
    ctx.step(`warm-up done: page heap median ${MiB(median(before))} MiB after GC`);
    await ctx.sleep(duration - warmUp);
    const after = await pageHeaps();
    sampling = false;
    await sampler;
    const run = serverHeap.slice(skip);
    const third = Math.max(1, Math.floor(run.length / 3));
    const serverGrowth = Math.min(...run.slice(-third)) - Math.min(...run.slice(0, third));
    const pageGrowth = after.map((bytes, i) => bytes - (before[i] ?? bytes));
    ctx.figures.soak = {
      minutes: Math.round((duration / 60_000) * 100) / 100,
      clients: ctx.clients.length,
      writes: ctx.writer.acknowledged,
      serverSamples: run.length,
      serverHeapLowMiB: [MiB(Math.min(...run.slice(0, third))), MiB(Math.min(...run.slice(-third)))],
      serverRssMiB: [MiB(serverRss[skip] ?? 0), MiB(serverRss[serverRss.length - 1] ?? 0)],
      pageHeapMedianMiB: [MiB(median(before)), MiB(median(after))],
      pageHeapGrowthMiB: { median: MiB(median(pageGrowth)), max: MiB(Math.max(...pageGrowth)) },
    };
    ctx.step(
      `end: server heap low point ${MiB(serverGrowth)} MiB higher than after warm-up; page heap growth median ${MiB(median(pageGrowth))} MiB, max ${MiB(Math.max(...pageGrowth))} MiB`,
    );
    if (serverGrowth > SOAK_BOUNDS.serverHeapBytes)
      ctx.problem(
        `server heap grew ${MiB(serverGrowth)} MiB (bound ${MiB(SOAK_BOUNDS.serverHeapBytes)} MiB)`,
      );
    if (median(pageGrowth) > SOAK_BOUNDS.pageHeapMedianBytes)
      ctx.problem(
        `page heaps grew ${MiB(median(pageGrowth))} MiB at the median (bound ${MiB(SOAK_BOUNDS.pageHeapMedianBytes)} MiB)`,
      );
    if (Math.max(...pageGrowth) > SOAK_BOUNDS.pageHeapMaxBytes)
      ctx.problem(
        `a page heap grew ${MiB(Math.max(...pageGrowth))} MiB (bound ${MiB(SOAK_BOUNDS.pageHeapMaxBytes)} MiB)`,
      );
  },
};
