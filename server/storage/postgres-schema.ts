/**
 * The PostgreSQL schema, its migrations and the deployment's epoch. Migrations are an
 * ordered, append-only list recorded in `schema_migrations`; every instance runs them at
 * start under one advisory lock, so instances starting together apply each exactly once.
 */
import type pg from 'pg';
import { EMPTY_DIGEST } from '../../src/shared/digest';
import { RESOURCE_NAMES } from '../../src/shared/resources';
import { StartupError } from '../errors';
import { firstRow, rows } from './postgres-pool';

/** Advisory lock classes (the first key of pg_advisory_lock(int, int)); "RC" and on. */
export const LOCKS = { migrate: 0x5243, exclusive: 0x5244, idempotency: 0x5245 } as const;

/** NOTIFY channel of committed changes; the payload is the newest seq of the transaction. */
export const CHANGES_CHANNEL = 'red_coral_changes';

interface Migration {
  name: string;
  sql: string;
}

/**
 * Keys and ids are COLLATE "C" so `ORDER BY id` sorts bytewise, as SQLite does. Item data
 * is JSON text, not jsonb: the stored text is exactly what the server wrote.
 */
const MIGRATIONS: Migration[] = [
  {
    name: 'initial schema',
    sql: `
    CREATE TABLE items (
      resource text COLLATE "C" NOT NULL,
      id text COLLATE "C" NOT NULL,
      version bigint NOT NULL,
      data text NOT NULL,
      PRIMARY KEY (resource, id)
    );
    CREATE TABLE refs (
      resource text COLLATE "C" NOT NULL,
      id text COLLATE "C" NOT NULL,
      field text COLLATE "C" NOT NULL,
      target_resource text COLLATE "C" NOT NULL,
      target_id text COLLATE "C" NOT NULL,
      PRIMARY KEY (resource, id, field, target_resource, target_id)
    );
    CREATE INDEX refs_by_target ON refs (target_resource, target_id);
    -- One row per type; writers of a type lock its row (SELECT ... FOR UPDATE).
    CREATE TABLE resource_state (
      resource text COLLATE "C" PRIMARY KEY,
      version bigint NOT NULL DEFAULT 0,
      digest text NOT NULL,
      count bigint NOT NULL DEFAULT 0,
      pruned_through bigint NOT NULL DEFAULT 0
    );
    -- seq is allocated from log_state under its row lock, so seq order is commit order.
    CREATE TABLE changes (
      seq bigint PRIMARY KEY,
      resource text COLLATE "C" NOT NULL,
      version bigint NOT NULL,
      action text NOT NULL,
      item_id text COLLATE "C" NOT NULL,
      data text,
      UNIQUE (resource, version)
    );
    CREATE TABLE log_state (
      id integer PRIMARY KEY CHECK (id = 1),
      last_seq bigint NOT NULL,
      pruned_seq bigint NOT NULL
    );
    INSERT INTO log_state (id, last_seq, pruned_seq) VALUES (1, 0, 0);
    CREATE TABLE employee_pins (
      employee_id text COLLATE "C" PRIMARY KEY,
      hash text NOT NULL
    );
    CREATE TABLE sessions (
      token_hash text PRIMARY KEY,
      employee_id text COLLATE "C" NOT NULL,
      expires_at bigint NOT NULL,
      created_at bigint NOT NULL
    );
    CREATE INDEX sessions_by_employee ON sessions (employee_id);
    CREATE INDEX sessions_by_expiry ON sessions (expires_at);
    CREATE TABLE idempotency (
      key text NOT NULL,
      employee_id text COLLATE "C" NOT NULL,
      fingerprint text NOT NULL,
      status integer NOT NULL,
      body text NOT NULL,
      created_at bigint NOT NULL,
      PRIMARY KEY (key, employee_id)
    );
    CREATE INDEX idempotency_by_age ON idempotency (created_at);
    -- The deployment's epoch, shared by every instance. identity is the database it was
    -- minted for; a copy or restore elsewhere no longer matches and gets a new epoch.
    CREATE TABLE deployment (
      id integer PRIMARY KEY CHECK (id = 1),
      epoch uuid NOT NULL,
      identity text,
      created_at timestamptz NOT NULL DEFAULT now(),
      rotated_at timestamptz
    );
    INSERT INTO deployment (id, epoch) VALUES (1, gen_random_uuid());
    `,
  },
  {
    // The wrong-PIN lockout, shared by every instance (postgres-lockout.ts).
    // Times are the database clock in ms; failures are those still in the window.
    name: 'shared sign-in lockout',
    sql: `
    CREATE TABLE auth_lockout (
      ip text PRIMARY KEY,
      failures bigint[] NOT NULL,
      last_failure_at bigint NOT NULL,
      locked_until bigint NOT NULL
    );
    CREATE INDEX auth_lockout_by_age ON auth_lockout (last_failure_at);
    `,
  },
];

export interface DeploymentEpoch {
  epoch: string;
  /** Why the epoch was just replaced, or null when it was kept (or just created). */
  rotated: string | null;
}

/**
 * Which physical database this is: the cluster's system identifier (new on initdb, kept
 * by replicas and physical backups) and the database's OID (new on CREATE DATABASE, so
 * also after a dump is restored into a fresh database).
 */
async function databaseIdentity(db: pg.PoolClient): Promise<string> {
  const oid = await firstRow<{ oid: string }>(
    db,
    'SELECT oid::text AS oid FROM pg_database WHERE datname = current_database()',
  );
  let system = 'unknown';
  try {
    const row = await firstRow<{ id: string }>(
      db,
      'SELECT system_identifier::text AS id FROM pg_control_system()',
    );
    system = row?.id ?? system;
  } catch {
    // Some managed services hide pg_control_system(); the OID alone still catches restores.
  }
  return `${system}/${oid?.oid ?? 'unknown'}`;
}

/** Keeps the epoch while this is the database it was minted for; replaces it otherwise. */
async function checkEpoch(db: pg.PoolClient): Promise<DeploymentEpoch> {
  const identity = await databaseIdentity(db);
  const row = await firstRow<{ epoch: string; identity: string | null }>(
    db,
    'SELECT epoch::text AS epoch, identity FROM deployment WHERE id = 1',
  );
  if (!row) throw new StartupError('the deployment row is missing; the database is not a Red Coral database');
  if (row.identity === identity) return { epoch: row.epoch, rotated: null };
  if (row.identity === null) {
    await db.query('UPDATE deployment SET identity = $1 WHERE id = 1', [identity]);
    return { epoch: row.epoch, rotated: null };
  }
  const fresh = await firstRow<{ epoch: string }>(
    db,
    'UPDATE deployment SET epoch = gen_random_uuid(), identity = $1, rotated_at = now() WHERE id = 1 RETURNING epoch::text AS epoch',
    [identity],
  );
  return { epoch: fresh!.epoch, rotated: 'the database was copied or restored (its identity changed)' };
}

/** Applies pending migrations and returns the deployment's epoch, all under one lock. */
export async function prepareDatabase(pool: pg.Pool): Promise<DeploymentEpoch> {
  const db = await pool.connect();
  let broken: Error | undefined;
  try {
    // Session-level: held across the per-migration transactions below.
    await db.query('SELECT pg_advisory_lock($1, 0)', [LOCKS.migrate]);
    try {
      await migrate(db);
      await db.query(
        `INSERT INTO resource_state (resource, digest)
         SELECT unnest($1::text[]), $2 ON CONFLICT (resource) DO NOTHING`,
        [RESOURCE_NAMES, EMPTY_DIGEST],
      );
      return await checkEpoch(db);
    } finally {
      await db.query('SELECT pg_advisory_unlock($1, 0)', [LOCKS.migrate]).catch((err: Error) => {
        broken = err; // the lock went with the connection
      });
    }
  } finally {
    db.release(broken);
  }
}

/** Applies the migrations this database lacks, each in its own transaction. */
async function migrate(db: pg.PoolClient): Promise<void> {
  await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const [applied] = await rows<{ version: number | null }>(
    db,
    'SELECT max(version) AS version FROM schema_migrations',
  );
  const current = applied?.version ?? 0;
  if (current > MIGRATIONS.length)
    throw new StartupError(
      `database schema ${current} is newer than this server (${MIGRATIONS.length}); upgrade the server`,
    );
  for (let v = current; v < MIGRATIONS.length; v++) {
    await db.query('BEGIN');
    try {
      await db.query(MIGRATIONS[v]!.sql);
      await db.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        v + 1,
        MIGRATIONS[v]!.name,
      ]);
      await db.query('COMMIT');
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }
}

/** Gives the deployment a new epoch (after a restore in place); instances then restart. */
export async function rotateEpoch(db: pg.Pool | pg.PoolClient): Promise<string> {
  const row = await firstRow<{ epoch: string }>(
    db,
    'UPDATE deployment SET epoch = gen_random_uuid(), rotated_at = now() WHERE id = 1 RETURNING epoch::text AS epoch',
  );
  if (!row) throw new Error('no deployment row: run the server once to create the schema');
  return row.epoch;
}
