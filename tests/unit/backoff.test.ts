import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBackoff, jitteredDelay } from '../../src/sync/backoff';

const options = { baseMs: 1_000, capMs: 30_000 };

describe('jittered backoff (full jitter, capped)', () => {
  it('attempt n waits a random time below min(cap, base · 2^n)', () => {
    expect(
      [0, 1, 2, 3, 4, 5, 6].map((n) => jitteredDelay(n, { ...options, random: () => 0.999999 })),
    ).toEqual([999, 1_999, 3_999, 7_999, 15_999, 29_999, 29_999]);
    expect(jitteredDelay(3, { ...options, random: () => 0 })).toBe(0);
    expect(jitteredDelay(2, { ...options, random: () => 0.5 })).toBe(2_000);
  });

  it('never exceeds the cap, even after very many attempts', () => {
    for (const attempt of [10, 100, 10_000]) {
      const delay = jitteredDelay(attempt, { ...options, random: () => 0.999999 });
      expect(delay).toBeLessThan(options.capMs);
      expect(delay).toBeGreaterThanOrEqual(options.capMs - 1);
    }
  });

  it('spreads a thousand first retries over the whole first interval, not one instant', () => {
    const delays = Array.from({ length: 1000 }, () => jitteredDelay(0, options));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(1_000);
    // Each tenth of the interval gets some of them (a fixed delay would put all in one).
    const tenths = new Set(delays.map((d) => Math.floor(d / 100)));
    expect(tenths.size).toBe(10);
  });
});

describe('createBackoff', () => {
  afterEach(() => vi.useRealTimers());

  it('keeps one retry scheduled, grows the delay per attempt, and starts over after reset', () => {
    vi.useFakeTimers();
    const b = createBackoff({ ...options, random: () => 0.999999 });
    let runs = 0;
    b.schedule(() => runs++);
    b.schedule(() => runs++); // already scheduled: not doubled
    expect(b.pending()).toBe(true);
    vi.advanceTimersByTime(998);
    expect(runs).toBe(0);
    vi.advanceTimersByTime(1);
    expect(runs).toBe(1);
    b.schedule(() => runs++); // second attempt: up to 2 s
    vi.advanceTimersByTime(1_998);
    expect(runs).toBe(1);
    vi.advanceTimersByTime(1);
    expect(runs).toBe(2);
    b.schedule(() => runs++);
    b.reset(); // success: nothing stays scheduled, the next failure starts from 1 s
    expect(b.pending()).toBe(false);
    vi.advanceTimersByTime(10_000);
    expect(runs).toBe(2);
    b.schedule(() => runs++);
    vi.advanceTimersByTime(999);
    expect(runs).toBe(3);
  });
});
