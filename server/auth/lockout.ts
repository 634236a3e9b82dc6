/**
 * Sign-in lockout per client IP: after `maxFailures` wrong PINs within `windowMs`, sign-in
 * from that IP is refused for `lockMs`. Kept in memory: a restart forgets it, which only
 * helps someone who can already restart the server.
 */
import type { LockoutConfig } from '../config';

interface Entry {
  failures: number[];
  lockedUntil: number;
}

export class Lockout {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly config: LockoutConfig) {}

  /** Milliseconds until this IP may try again; 0 when it may now. */
  retryAfterMs(ip: string, now: number): number {
    const entry = this.entries.get(ip);
    return entry && entry.lockedUntil > now ? entry.lockedUntil - now : 0;
  }

  /** Counts a wrong PIN; returns the lock time when this failure triggered one. */
  fail(ip: string, now: number): number {
    const entry = this.entries.get(ip) ?? { failures: [], lockedUntil: 0 };
    entry.failures = entry.failures.filter((t) => now - t < this.config.windowMs);
    entry.failures.push(now);
    this.entries.set(ip, entry);
    if (entry.failures.length < this.config.maxFailures) return 0;
    entry.failures = [];
    entry.lockedUntil = now + this.config.lockMs;
    return this.config.lockMs;
  }

  /** A correct PIN clears the IP's record. */
  succeed(ip: string): void {
    this.entries.delete(ip);
  }

  /** Forgets entries with nothing left to remember, so the map stays small. */
  sweep(now: number): void {
    for (const [ip, entry] of this.entries)
      if (entry.lockedUntil <= now && entry.failures.every((t) => now - t >= this.config.windowMs))
        this.entries.delete(ip);
  }
}
