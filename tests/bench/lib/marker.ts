/**
 * Write → receive latency across processes: a writer puts `bench@<monoMs>` in a product's
 * description; every receiver (SSE client, poller, page) subtracts that from its own
 * clock reading (lib/clock.ts) when the change reaches it.
 */
export const MARK = 'bench@';

export const markedText = (sentAtMs: number) => `${MARK}${sentAtMs.toFixed(3)}`;

/** Id of the n-th bench product: kept here so light client processes need not load the seeder. */
export const benchProductId = (n: number) => `bench-p-${String(n).padStart(6, '0')}`;
