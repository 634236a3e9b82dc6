/**
 * The SQLite schema and its migrations. One generic layout serves all ten types; the
 * schema revision lives in PRAGMA user_version so an upgrade applies only what is new.
 */
import type Database from 'better-sqlite3';
import { EMPTY_DIGEST } from '../../src/shared/digest';
import { RESOURCE_NAMES } from '../../src/shared/resources';

/** Migration n brings user_version from n to n + 1. Append, never edit. */
const MIGRATIONS: string[] = [
  `
  -- Current state: one row per item; data holds the fields without id and version.
  CREATE TABLE items (
    resource TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (resource, id)
  );
  -- Every reference an item holds, so "who points at X" is one indexed lookup.
  CREATE TABLE refs (
    resource TEXT NOT NULL,
    id TEXT NOT NULL,
    field TEXT NOT NULL,
    target_resource TEXT NOT NULL,
    target_id TEXT NOT NULL,
    PRIMARY KEY (resource, id, field, target_resource, target_id)
  );
  CREATE INDEX refs_by_target ON refs (target_resource, target_id);
  CREATE TABLE resource_state (
    resource TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 0,
    digest TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 0,
    pruned_through INTEGER NOT NULL DEFAULT 0
  );
  -- The change log; seq is the global commit order, version the per-type one.
  CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    resource TEXT NOT NULL,
    version INTEGER NOT NULL,
    action TEXT NOT NULL,
    item_id TEXT NOT NULL,
    data TEXT,
    UNIQUE (resource, version)
  );
  CREATE TABLE log_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL,
    pruned_seq INTEGER NOT NULL
  );
  INSERT INTO log_state (id, last_seq, pruned_seq) VALUES (1, 0, 0);
  CREATE TABLE employee_pins (
    employee_id TEXT PRIMARY KEY,
    hash TEXT NOT NULL
  );
  CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    employee_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX sessions_by_employee ON sessions (employee_id);
  CREATE TABLE idempotency (
    key TEXT NOT NULL,
    employee_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (key, employee_id)
  );
  `,
];

/** Opens pragmas, applies pending migrations and makes sure every type has a state row. */
export function prepareDatabase(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  // FULL: a commit the client was told about survives a power cut, not only a crash.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length)
    throw new Error(`database schema ${current} is newer than this server (${MIGRATIONS.length})`);
  db.transaction(() => {
    for (let v = current; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
    const insert = db.prepare(
      'INSERT OR IGNORE INTO resource_state (resource, version, digest, count) VALUES (?, 0, ?, 0)',
    );
    for (const r of RESOURCE_NAMES) insert.run(r, EMPTY_DIGEST);
  }).immediate();
}
