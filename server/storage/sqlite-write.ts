/**
 * The write transaction body for SQLite: every create, update and delete of every type
 * goes through `applyWrite`, which runs inside its own SAVEPOINT of an IMMEDIATE
 * transaction (the group commit of `sqlite.ts`; the seed's `writeBatch` runs a whole
 * batch in one transaction instead). Any error thrown here rolls that write back, so
 * nothing half-applies and no version is raised on an error.
 */
import type Database from 'better-sqlite3';
import { updateDigest } from '../../src/shared/digest';
import type { ReferencedBy, SyncAction } from '../../src/shared/protocol';
import type { Item, ResourceName } from '../../src/shared/resources';
import { ApiError } from '../errors';
import { keyReused, nextFields, referencesOf, toItem } from './items';
import type { Change, Fields, WriteRequest, WriteResult } from './types';

interface ItemRow {
  version: number;
  data: string;
}

interface StateRow {
  version: number;
  digest: string;
  count: number;
}

interface AnswerRow {
  fingerprint: string;
  status: number;
  body: string;
}

/** Prepared statements of the write path, compiled once per database. */
export function writeStatements(db: Database.Database) {
  return {
    answer: db.prepare<[string, string], AnswerRow>(
      'SELECT fingerprint, status, body FROM idempotency WHERE key = ? AND employee_id = ?',
    ),
    saveAnswer: db.prepare(
      'INSERT INTO idempotency (key, employee_id, fingerprint, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    item: db.prepare<[string, string], ItemRow>(
      'SELECT version, data FROM items WHERE resource = ? AND id = ?',
    ),
    exists: db.prepare<[string, string], { one: number }>(
      'SELECT 1 AS one FROM items WHERE resource = ? AND id = ?',
    ),
    upsertItem: db.prepare(
      `INSERT INTO items (resource, id, version, data) VALUES (?, ?, ?, ?)
       ON CONFLICT (resource, id) DO UPDATE SET version = excluded.version, data = excluded.data`,
    ),
    deleteItem: db.prepare('DELETE FROM items WHERE resource = ? AND id = ?'),
    deleteRefs: db.prepare('DELETE FROM refs WHERE resource = ? AND id = ?'),
    insertRef: db.prepare(
      'INSERT OR IGNORE INTO refs (resource, id, field, target_resource, target_id) VALUES (?, ?, ?, ?, ?)',
    ),
    referencedBy: db.prepare<[string, string, string, string], ReferencedBy>(
      `SELECT resource, id, field FROM refs WHERE target_resource = ? AND target_id = ?
       AND NOT (resource = ? AND id = ?) ORDER BY resource, id, field`,
    ),
    state: db.prepare<[string], StateRow>(
      'SELECT version, digest, count FROM resource_state WHERE resource = ?',
    ),
    saveState: db.prepare('UPDATE resource_state SET version = ?, digest = ?, count = ? WHERE resource = ?'),
    insertChange: db.prepare(
      'INSERT INTO changes (resource, version, action, item_id, data) VALUES (?, ?, ?, ?, ?)',
    ),
    prunableSeq: db.prepare<[string, number], { seq: number | null }>(
      'SELECT max(seq) AS seq FROM changes WHERE resource = ? AND version <= ?',
    ),
    prune: db.prepare('DELETE FROM changes WHERE resource = ? AND version <= ?'),
    savePrunedThrough: db.prepare('UPDATE resource_state SET pruned_through = ? WHERE resource = ?'),
    saveLastSeq: db.prepare('UPDATE log_state SET last_seq = ? WHERE id = 1'),
    savePrunedSeq: db.prepare('UPDATE log_state SET pruned_seq = max(pruned_seq, ?) WHERE id = 1'),
    savePin: db.prepare(
      'INSERT INTO employee_pins (employee_id, hash) VALUES (?, ?) ON CONFLICT (employee_id) DO UPDATE SET hash = excluded.hash',
    ),
    deletePin: db.prepare('DELETE FROM employee_pins WHERE employee_id = ?'),
    deleteSessions: db.prepare('DELETE FROM sessions WHERE employee_id = ?'),
  };
}

export type WriteStatements = ReturnType<typeof writeStatements>;

/** Refuses references to missing items (or to the item itself: no self-loops). */
function checkReferences(s: WriteStatements, resource: ResourceName, id: string, fields: Fields): void {
  const dangling = referencesOf(resource, fields).filter(
    (ref) => (ref.target === resource && ref.id === id) || !s.exists.get(ref.target, ref.id),
  );
  if (dangling.length === 0) return;
  const first = dangling[0]!;
  throw new ApiError(
    'invalid_reference',
    `${first.field}: no ${first.target} with id "${first.id}"`,
    dangling.map((d) => ({ field: d.field, resource: d.target, id: d.id })),
  );
}

/** Applies one write; must run inside a transaction (or savepoint) that an error rolls back. */
export function applyWrite(
  s: WriteStatements,
  req: WriteRequest,
  retention: number,
  now: number,
): WriteResult {
  const { resource, id } = req;
  if (req.idempotency) {
    const stored = s.answer.get(req.idempotency.key, req.actor);
    if (stored) {
      if (stored.fingerprint !== req.idempotency.fingerprint) throw keyReused();
      return { status: stored.status, body: JSON.parse(stored.body), change: null };
    }
  }

  const row = s.item.get(resource, id);
  const current = row ? toItem(id, row.version, row.data) : null;
  const fields = nextFields(req, current);

  if (fields) checkReferences(s, resource, id, fields);
  else {
    const by = s.referencedBy.all(resource, id, resource, id);
    if (by.length > 0)
      throw new ApiError(
        'referenced',
        `${resource} "${id}" is still referenced by ${by.length} item(s)`,
        by satisfies ReferencedBy[],
      );
  }

  const state = s.state.get(resource)!;
  const version = state.version + 1;
  const item = fields ? ({ id, version, ...fields } as Item) : null;
  const digest = updateDigest(state.digest, current, item);
  const count = state.count + (req.action === 'create' ? 1 : req.action === 'delete' ? -1 : 0);

  s.deleteRefs.run(resource, id);
  if (fields) {
    s.upsertItem.run(resource, id, version, JSON.stringify(fields));
    for (const ref of referencesOf(resource, fields))
      s.insertRef.run(resource, id, ref.field, ref.target, ref.id);
  } else s.deleteItem.run(resource, id);

  if (resource === 'employee') {
    if (req.action === 'delete') {
      s.deletePin.run(id);
      s.deleteSessions.run(id);
    } else if (req.pinHash) s.savePin.run(id, req.pinHash);
  }

  const action: SyncAction =
    req.action === 'create' ? 'created' : req.action === 'update' ? 'updated' : 'deleted';
  const seq = Number(
    s.insertChange.run(resource, version, action, id, item ? JSON.stringify(item) : null).lastInsertRowid,
  );
  s.saveState.run(version, digest, count, resource);
  s.saveLastSeq.run(seq);
  pruneLog(s, resource, version, retention);

  const status = req.action === 'create' ? 201 : 200;
  const body = item ?? { id, version };
  if (req.idempotency)
    s.saveAnswer.run(
      req.idempotency.key,
      req.actor,
      req.idempotency.fingerprint,
      status,
      JSON.stringify(body),
      now,
    );
  return { status, body, change: { seq, resource, version, action, id, data: item } satisfies Change };
}

/** Keeps the newest `retention` changes of the type; remembers what was dropped. */
function pruneLog(s: WriteStatements, resource: ResourceName, version: number, retention: number): void {
  const cutoff = version - retention;
  if (cutoff <= 0) return;
  const { seq } = s.prunableSeq.get(resource, cutoff)!;
  if (seq === null) return;
  s.prune.run(resource, cutoff);
  s.savePrunedThrough.run(cutoff, resource);
  s.savePrunedSeq.run(seq);
}
