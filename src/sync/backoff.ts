/**
 * Retry delays with capped exponential backoff and full jitter: attempt n waits a random
 * time in [0, min(cap, base · 2^n)). After a server restart or a Wi-Fi outage every device
 * of a venue retries at once; random delays spread them out, so the server meets them a
 * few at a time instead of all in the same second.
 */

export interface BackoffOptions {
  /** Upper bound of the first delay (ms). */
  baseMs: number;
  /** No delay is ever longer than this (ms). */
  capMs: number;
  /** A number in [0, 1); Math.random by default, fixed in tests. */
  random?: () => number;
}

/** The delay before retry number `attempt` (0 for the first retry). */
export function jitteredDelay(attempt: number, options: BackoffOptions): number {
  const random = options.random ?? Math.random;
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.floor(random() * ceiling);
}

export interface Backoff {
  /** Runs `task` after the next delay; a retry already scheduled is kept, not doubled. */
  schedule(task: () => void): void;
  /** Success: the next failure starts from the first delay again, and nothing stays scheduled. */
  reset(): void;
  /** Whether a retry is scheduled now. */
  pending(): boolean;
}

/** One retry timer with its attempt counter. Timers never keep a Node process alive. */
export function createBackoff(options: BackoffOptions): Backoff {
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  return {
    schedule(task) {
      if (timer) return;
      timer = setTimeout(
        () => {
          timer = null;
          task();
        },
        jitteredDelay(attempt++, options),
      );
      (timer as { unref?: () => void }).unref?.();
    },
    reset() {
      attempt = 0;
      if (timer) clearTimeout(timer);
      timer = null;
    },
    pending: () => timer !== null,
  };
}
