/**
 * A paced writer: PATCHes bench products at a fixed rate from the driver process, each
 * carrying the send time (lib/marker.ts) so receivers in other processes can time it.
 */
import { monoMs, sleep } from './clock';
import type { ApiClient } from './http';
import { benchProductId, markedText } from './marker';

export interface WriteRun {
  sent: number;
  failed: number;
  /** How far behind schedule the writer fell at worst, ms (it should stay near 0). */
  maxLagMs: number;
}

/** Writes `rate` changes per second for `seconds`, spread over `products` products. */
export async function writeAtRate(
  api: ApiClient,
  rate: number,
  seconds: number,
  products: number,
): Promise<WriteRun> {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const start = performance.now();
  const inFlight = new Set<Promise<void>>();
  let failed = 0;
  let maxLagMs = 0;
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    maxLagMs = Math.max(maxLagMs, performance.now() - due);
    const id = benchProductId(i % products);
    const write = api
      .call('PATCH', `/api/products/${id}`, { description: markedText(monoMs()) })
      .then((a) => {
        if (a.status !== 200) failed++;
      })
      .catch(() => {
        failed++;
      })
      .finally(() => inFlight.delete(write));
    inFlight.add(write);
    // Bounded: a stalled server must not pile up unbounded requests here.
    if (inFlight.size >= 64) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return { sent: total, failed, maxLagMs };
}
