/**
 * The sign-in lockout shared by every instance on one PostgreSQL database: one row per IP
 * in `auth_lockout` (migration 2, server/storage/postgres-schema.ts).
 *
 * - Times are the database's clock (ms since 1970), never an instance's: instances whose
 *   clocks disagree still agree on when a lock ends and which failures left the window.
 * - A wrong PIN is one INSERT ... ON CONFLICT DO UPDATE: the row lock serializes failures
 *   from every instance, the statement drops failures older than the window, adds this
 *   one and, at `maxFailures`, clears them and sets `locked_until`. No read-modify-write
 *   across round trips, so no failure is lost to a race.
 * - `failures` holds the times of the wrong PINs still in the window (fewer than
 *   maxFailures: they are cleared when they trigger a lock), `last_failure_at` the newest,
 *   so the sweep can tell a row with nothing left to remember by two columns.
 */
import type pg from 'pg';
import type { LockoutConfig } from '../config';
import type { LockoutStore } from './types';

/** The database's clock in ms; the same value throughout one statement. */
const NOW_MS = '(extract(epoch FROM statement_timestamp()) * 1000)::bigint';

/** $1 ip, $2 maxFailures, $3 windowMs, $4 lockMs. */
const FAIL_SQL = `
WITH clock AS (SELECT ${NOW_MS} AS now)
INSERT INTO auth_lockout AS l (ip, failures, last_failure_at, locked_until)
SELECT $1,
       CASE WHEN 1 >= $2::int THEN '{}'::bigint[] ELSE ARRAY[now] END,
       now,
       CASE WHEN 1 >= $2::int THEN now + $4::bigint ELSE 0 END
FROM clock
ON CONFLICT (ip) DO UPDATE SET
  failures = CASE
    WHEN cardinality(ARRAY(SELECT t FROM unnest(l.failures) t WHERE t > EXCLUDED.last_failure_at - $3::bigint)) + 1 >= $2::int
      THEN '{}'::bigint[]
    ELSE ARRAY(SELECT t FROM unnest(l.failures) t WHERE t > EXCLUDED.last_failure_at - $3::bigint) || EXCLUDED.last_failure_at
  END,
  locked_until = CASE
    WHEN cardinality(ARRAY(SELECT t FROM unnest(l.failures) t WHERE t > EXCLUDED.last_failure_at - $3::bigint)) + 1 >= $2::int
      THEN EXCLUDED.last_failure_at + $4::bigint
    ELSE l.locked_until
  END,
  last_failure_at = EXCLUDED.last_failure_at
RETURNING CASE WHEN cardinality(failures) = 0 THEN locked_until - last_failure_at ELSE 0 END AS locked_ms`;

export class PostgresLockoutStore implements LockoutStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly config: LockoutConfig,
  ) {}

  async retryAfterMs(ip: string): Promise<number> {
    const found = await this.pool.query<{ wait: number }>(
      `SELECT locked_until - ${NOW_MS} AS wait FROM auth_lockout WHERE ip = $1`,
      [ip],
    );
    return Math.max(found.rows[0]?.wait ?? 0, 0);
  }

  async fail(ip: string): Promise<number> {
    const { maxFailures, windowMs, lockMs } = this.config;
    const found = await this.pool.query<{ locked_ms: number }>(FAIL_SQL, [ip, maxFailures, windowMs, lockMs]);
    return found.rows[0]?.locked_ms ?? 0;
  }

  async succeed(ip: string): Promise<void> {
    await this.pool.query('DELETE FROM auth_lockout WHERE ip = $1', [ip]);
  }

  /** Rows whose lock ended and whose newest failure left the window (so did the older ones). */
  async sweep(): Promise<void> {
    await this.pool.query(
      `DELETE FROM auth_lockout WHERE locked_until <= ${NOW_MS} AND last_failure_at <= ${NOW_MS} - $1::bigint`,
      [this.config.windowMs],
    );
  }
}
