/**
 * Sign-in lockout per client IP: after `maxFailures` wrong PINs within `windowMs` (a
 * sliding window), sign-in from that IP is refused for `lockMs`. A correct PIN clears the
 * IP's count.
 *
 * Where the count lives is a `LockoutStore`:
 * - `MemoryLockoutStore` (SQLite, one process): a map in this process, as fast as before.
 *   A restart forgets it, which only helps someone who can already restart the server.
 * - `PostgresLockoutStore` (storage/postgres-lockout.ts): one row per IP in the shared database,
 *   so every instance of a deployment sees the same count and the same lock; N instances
 *   behind a load balancer do not give an attacker N × maxFailures tries.
 * The app takes the storage's own store when it offers one (`Storage.lockoutStore`), else
 * the memory one (server/app.ts).
 */
import type { LockoutConfig } from '../config';
import type { LockoutStore } from '../storage/types';

interface Entry {
  failures: number[];
  lockedUntil: number;
}

/** The lockout of one process, in memory. `clock` is injectable for tests. */
export class MemoryLockoutStore implements LockoutStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly config: LockoutConfig,
    private readonly clock: () => number = Date.now,
  ) {}

  async retryAfterMs(ip: string): Promise<number> {
    const now = this.clock();
    const entry = this.entries.get(ip);
    return entry && entry.lockedUntil > now ? entry.lockedUntil - now : 0;
  }

  async fail(ip: string): Promise<number> {
    const now = this.clock();
    const entry = this.entries.get(ip) ?? { failures: [], lockedUntil: 0 };
    entry.failures = entry.failures.filter((t) => now - t < this.config.windowMs);
    entry.failures.push(now);
    this.entries.set(ip, entry);
    if (entry.failures.length < this.config.maxFailures) return 0;
    entry.failures = [];
    entry.lockedUntil = now + this.config.lockMs;
    return this.config.lockMs;
  }

  async succeed(ip: string): Promise<void> {
    this.entries.delete(ip);
  }

  async sweep(): Promise<void> {
    const now = this.clock();
    for (const [ip, entry] of this.entries)
      if (entry.lockedUntil <= now && entry.failures.every((t) => now - t >= this.config.windowMs))
        this.entries.delete(ip);
  }
}
