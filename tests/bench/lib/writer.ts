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

/**
 * Starts `write(i)` for i = 0..total-1 at `rate` per second, at most 64 in flight; a write
 * that resolves false or throws counts as failed.
 */
export async function runAtRate(
  rate: number,
  total: number,
  write: (i: number) => Promise<boolean>,
): Promise<WriteRun> {
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
    const call = write(i)
      .then((ok) => {
        if (!ok) failed++;
      })
      .catch(() => {
        failed++;
      })
      .finally(() => inFlight.delete(call));
    inFlight.add(call);
    // Bounded: a stalled server must not pile up unbounded requests here.
    if (inFlight.size >= 64) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return { sent: total, failed, maxLagMs };
}

/** Writes `rate` changes per second for `seconds`, spread over `products` products. */
export function writeAtRate(
  api: ApiClient,
  rate: number,
  seconds: number,
  products: number,
): Promise<WriteRun> {
  return runAtRate(rate, Math.round(rate * seconds), async (i) => {
    const id = benchProductId(i % products);
    const answer = await api.call('PATCH', `/api/products/${id}`, { description: markedText(monoMs()) });
    return answer.status === 200;
  });
}
