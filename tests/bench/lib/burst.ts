/**
 * One burst of changes arriving at a page, traced: the longest main-thread task while the
 * writes go out and the page applies them (burst_no_jank, and peer_pouchdb for both peers).
 */
import type { Browser, Page } from 'playwright-core';
import { startTrace, stopTrace } from './trace';
import type { WriteRun } from './writer';

export interface BurstOutcome {
  longestMs: number;
  tasks: number;
  /** From the first write to the last change applied, ms. */
  spanMs: number;
  writesPerSecond: number;
  failed: number;
}

/** Traces the page from `write()` starting until `applied()` resolves (all changes in the page). */
export async function tracedBurst(
  browser: Browser,
  page: Page,
  events: number,
  write: () => Promise<WriteRun>,
  applied: () => Promise<unknown>,
): Promise<BurstOutcome> {
  await startTrace(browser, page);
  try {
    const t0 = performance.now();
    const writes = write().then((run) => ({ run, ms: performance.now() - t0 }));
    const [{ run, ms }, spanMs] = await Promise.all([writes, applied().then(() => performance.now() - t0)]);
    const trace = await stopTrace(browser);
    return { ...trace, spanMs, writesPerSecond: (events / ms) * 1000, failed: run.failed };
  } catch (err) {
    await stopTrace(browser).catch(() => undefined);
    throw err;
  }
}
