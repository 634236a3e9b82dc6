/**
 * The longest main-thread task from a Chromium trace (category devtools.timeline): the
 * Long Tasks API only reports tasks over 50 ms, the trace gives every task's duration.
 */
import type { Browser, Page } from 'playwright-core';

interface TraceEvent {
  ph: string;
  name: string;
  pid: number;
  tid: number;
  dur?: number;
  args?: { name?: string };
}

export async function startTrace(browser: Browser, page: Page): Promise<void> {
  await browser.startTracing(page, {
    categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'],
  });
}

/** Stops tracing; returns the longest task on a renderer main thread, ms, and the task count. */
export async function stopTrace(browser: Browser): Promise<{ longestMs: number; tasks: number }> {
  const buffer = await browser.stopTracing();
  const parsed = JSON.parse(buffer.toString()) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
  const mainThreads = new Set(
    events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  let longestMs = 0;
  let tasks = 0;
  for (const e of events) {
    if (e.ph !== 'X' || e.name !== 'RunTask' || !mainThreads.has(`${e.pid}:${e.tid}`)) continue;
    tasks++;
    longestMs = Math.max(longestMs, (e.dur ?? 0) / 1000);
  }
  return { longestMs, tasks };
}
