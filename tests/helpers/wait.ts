/**
 * The waits tests use instead of `vi.waitFor` with its 1 s default (tests/unit/waits.test.ts
 * keeps it so): every wait here ends as soon as its condition holds and gives up only after
 * WAIT_MS, which is sized for a loaded 2-core machine.
 */
import { vi } from 'vitest';
import { POLL_MS, WAIT_MS } from './timeouts';

export { POLL_MS, WAIT_MS };

export interface WaitOptions {
  /** Give up after this long (ms); default WAIT_MS. */
  timeout?: number;
}

/** Retries `assertion` (it throws until it holds) and returns its last value. */
export function until<T>(assertion: () => T | Promise<T>, options: WaitOptions = {}): Promise<T> {
  return vi.waitFor(assertion, { timeout: options.timeout ?? WAIT_MS, interval: POLL_MS });
}

/** Waits until `condition()` is true; fails with `what` if it never is. */
export async function untilTrue(
  condition: () => boolean | Promise<boolean>,
  what = 'the condition',
  options: WaitOptions = {},
): Promise<void> {
  await until(async () => {
    if (!(await condition())) throw new Error(`still waiting for ${what}`);
  }, options);
}
