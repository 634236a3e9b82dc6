/**
 * Sign-in and sessions on PostgreSQL: PIN hashes, session rows with sliding expiry, and
 * the periodic cleanup. Plain statements on the pool; none needs a transaction.
 */
import type pg from 'pg';
import type { Item } from '../../src/shared/resources';
import { toItem } from './items';
import { firstRow, rows } from './postgres-pool';
import type { ActiveSession, PinRecord, SessionRecord } from './types';

/** Extending a session rewrites its row; skip it while the expiry moved less than this. */
const SESSION_TOUCH_MS = 60_000;

async function itemOf(pool: pg.Pool, resource: 'employee' | 'role', id: string): Promise<Item | null> {
  const row = await firstRow<{ version: number; data: string }>(
    pool,
    'SELECT version, data FROM items WHERE resource = $1 AND id = $2',
    [resource, id],
  );
  return row ? toItem(id, row.version, row.data) : null;
}

export async function pinHashes(pool: pg.Pool, activeOnly: boolean): Promise<PinRecord[]> {
  const found = await rows<PinRecord & { data: string }>(
    pool,
    `SELECT p.employee_id AS "employeeId", p.hash, i.data FROM employee_pins p
     JOIN items i ON i.resource = 'employee' AND i.id = p.employee_id ORDER BY p.employee_id`,
  );
  return found
    .filter((row) => !activeOnly || (JSON.parse(row.data) as { active?: boolean }).active !== false)
    .map(({ employeeId, hash }) => ({ employeeId, hash }));
}

export async function createSession(pool: pg.Pool, session: SessionRecord): Promise<void> {
  await pool.query(
    'INSERT INTO sessions (token_hash, employee_id, expires_at, created_at) VALUES ($1, $2, $3, $4)',
    [session.tokenHash, session.employeeId, session.expiresAt, session.createdAt],
  );
}

export async function deleteSession(pool: pg.Pool, tokenHash: string): Promise<void> {
  await pool.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
}

/** The session's employee and permissions, extending its expiry; null if expired or inactive. */
export async function findSession(
  pool: pg.Pool,
  tokenHash: string,
  now: number,
  ttlMs: number,
): Promise<ActiveSession | null> {
  const session = await firstRow<{ employee_id: string; expires_at: number }>(
    pool,
    'SELECT employee_id, expires_at FROM sessions WHERE token_hash = $1',
    [tokenHash],
  );
  if (!session) return null;
  if (session.expires_at <= now) {
    await deleteSession(pool, tokenHash);
    return null;
  }
  const employee = (await itemOf(pool, 'employee', session.employee_id)) as Item<'employee'> | null;
  // An employee switched inactive loses access at once, without a logout.
  if (!employee?.active) return null;
  const role = (await itemOf(pool, 'role', employee.roleId)) as Item<'role'> | null;
  let expiresAt = session.expires_at;
  if (now + ttlMs - expiresAt >= Math.min(SESSION_TOUCH_MS, ttlMs / 10)) {
    expiresAt = now + ttlMs;
    await pool.query('UPDATE sessions SET expires_at = $1 WHERE token_hash = $2', [expiresAt, tokenHash]);
  }
  return { employee, permissions: role ? [...role.permissions] : [], expiresAt };
}

/** Drops expired sessions and idempotency answers older than their time to live. */
export async function cleanup(pool: pg.Pool, now: number, idempotencyTtlMs: number): Promise<void> {
  await pool.query('DELETE FROM sessions WHERE expires_at <= $1', [now]);
  await pool.query('DELETE FROM idempotency WHERE created_at <= $1', [now - idempotencyTtlMs]);
}
