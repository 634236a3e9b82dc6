/**
 * PostgreSQL plumbing shared by the storage, its schema and its change feed: the pool,
 * transactions (with a retry when PostgreSQL breaks a deadlock), and start-up errors
 * that name the server without leaking the password.
 */
import pg from 'pg';
import { StartupError } from '../errors';

/** A pooled connection or a plain client: anything that runs queries. */
export type Queryable = pg.Pool | pg.PoolClient | pg.Client;

/** Where warnings go (main passes its pino logger; tests stay silent). */
export interface StorageLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const SILENT_LOG: StorageLog = { warn() {}, error() {} };

/** int8 columns (versions, seqs, counts, times) as numbers: they stay far below 2^53. */
const types = new pg.TypeOverrides();
types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

/** How long opening a connection may take before we call the database unreachable. */
const CONNECT_TIMEOUT_MS = 5000;
/**
 * pg-pool applies its connect timeout to waiting for a free pooled connection too; under
 * a burst of writes to one type (which queue on its lock, each holding a connection) that
 * wait can be long, and should slow requests down rather than fail them.
 */
const POOL_WAIT_MS = 30_000;

/** Connection settings for one more client outside the pool (the LISTEN connection). */
export function clientConfig(url: string, applicationName: string): pg.ClientConfig {
  return {
    connectionString: url,
    types,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: applicationName,
  };
}

export function createPool(url: string, size: number, log: StorageLog): pg.Pool {
  const pool = new pg.Pool({
    ...clientConfig(url, 'red-coral'),
    connectionTimeoutMillis: POOL_WAIT_MS,
    max: size,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection that dies (database restart) is dropped by the pool; without a
  // listener the 'error' event would crash the process.
  pool.on('error', (err) => log.warn({ err: err.message }, 'idle PostgreSQL connection lost'));
  return pool;
}

/** "host:port/database" from a postgres:// URL, for messages (never the password). */
export function describeDatabase(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    return `${host}:${u.port || '5432'}${u.pathname.length > 1 ? u.pathname : ''}`;
  } catch {
    return 'the DATABASE_URL server';
  }
}

/** Opens one connection to prove the database answers; a failure becomes one clear line. */
export async function checkReachable(url: string): Promise<void> {
  const client = new pg.Client(clientConfig(url, 'red-coral'));
  try {
    await client.connect();
    await client.end();
  } catch (err) {
    await client.end().catch(() => undefined);
    const reason = err instanceof Error ? err.message : String(err);
    throw new StartupError(`cannot reach PostgreSQL at ${describeDatabase(url)}: ${reason}`);
  }
}

/** Deadlocks and serialization failures roll back cleanly; the transaction may run again. */
function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === '40P01' || code === '40001';
}

const MAX_ATTEMPTS = 3;

/**
 * Runs `body` in one transaction on one pooled connection: COMMIT on success, ROLLBACK on
 * any error (which is rethrown). A connection whose ROLLBACK fails is discarded, not reused.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  begin: string,
  body: (db: pg.PoolClient) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const db = await pool.connect();
    let broken: Error | undefined;
    try {
      await db.query(begin);
      const result = await body(db);
      await db.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await db.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      if (attempt >= MAX_ATTEMPTS || !isRetryable(err)) throw err;
    } finally {
      db.release(broken);
    }
  }
  throw new Error('unreachable: the last attempt returns or throws');
}

/** Rows of one query, typed by the caller. */
export async function rows<T extends pg.QueryResultRow>(
  db: Queryable,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return (await db.query<T>(sql, params)).rows;
}

/** The first row of one query, or undefined. */
export async function firstRow<T extends pg.QueryResultRow>(
  db: Queryable,
  sql: string,
  params: unknown[] = [],
): Promise<T | undefined> {
  return (await db.query<T>(sql, params)).rows[0];
}
