/**
 * One clock for every process on this machine: process.hrtime reads CLOCK_MONOTONIC, which
 * is system-wide on Linux, so a timestamp taken by the writer process can be subtracted
 * from one taken by a client process.
 */
export function monoMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `probe` until it returns true or `timeoutMs` passes; bounded, never hangs. */
export async function waitFor(probe: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}
