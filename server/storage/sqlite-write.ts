/**
 * The write transaction body for SQLite: every create, update and delete of every type
 * goes through `applyWrite`, which runs inside its own SAVEPOINT of an IMMEDIATE
 * transaction (the group commit of `sqlite.ts`; the seed's `writeBatch` runs a whole
 * batch in one transaction instead). What the write does is decided by write-plan.ts;
 * this file reads the rows and writes the plan. Any error thrown here rolls that write
 * back, so nothing half-applies and no version is raised on an error.
 */
import type Database from 'better-sqlite3';
import type { ReferencedBy } from '../../src/shared/protocol';
import type { ResourceName } from '../../src/shared/resources';
import { toItem } from './items';
import type { WriteRequest, WriteResult } from './types';
import type { AnswerRow, TypeState } from './write-plan';
import { answerOf, planWrite, refuseDangling, refuseReferenced } from './write-plan';

interface ItemRow {
  version: number;
  data: string;
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
    state: db.prepare<[string], TypeState>(
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

/** Applies one write; must run inside a transaction (or savepoint) that an error rolls back. */
export function applyWrite(
  s: WriteStatements,
  req: WriteRequest,
  retention: number,
  now: number,
): WriteResult {
  const { resource, id } = req;
  if (req.idempotency) {
    const answer = answerOf(s.answer.get(req.idempotency.key, req.actor), req.idempotency);
    if (answer) return { ...answer, change: null };
  }

  const row = s.item.get(resource, id);
  const current = row ? toItem(id, row.version, row.data) : null;
  const plan = planWrite(req, current, s.state.get(resource)!, retention, now);
  if (plan.fields) refuseDangling(resource, id, plan.refs, (ref) => !!s.exists.get(ref.target, ref.id));
  else refuseReferenced(resource, id, s.referencedBy.all(resource, id, resource, id));

  const { version, digest, count } = plan.state;
  s.deleteRefs.run(resource, id);
  if (plan.fields) {
    s.upsertItem.run(resource, id, version, JSON.stringify(plan.fields));
    for (const ref of plan.refs) s.insertRef.run(resource, id, ref.field, ref.target, ref.id);
  } else s.deleteItem.run(resource, id);
  if (plan.forgetCredentials) {
    s.deletePin.run(id);
    s.deleteSessions.run(id);
  }
  if (plan.pinHash) s.savePin.run(id, plan.pinHash);

  const { action, data } = plan.change;
  const seq = Number(
    s.insertChange.run(resource, version, action, id, data ? JSON.stringify(data) : null).lastInsertRowid,
  );
  s.saveState.run(version, digest, count, resource);
  s.saveLastSeq.run(seq);
  if (plan.pruneThrough !== null) pruneLog(s, resource, plan.pruneThrough);

  if (plan.answer) s.saveAnswer.run(...plan.answer);
  return { status: plan.status, body: plan.body, change: { seq, ...plan.change } };
}

/** Drops the type's changes up to `cutoff`; remembers what was dropped. */
function pruneLog(s: WriteStatements, resource: ResourceName, cutoff: number): void {
  const { seq } = s.prunableSeq.get(resource, cutoff)!;
  if (seq === null) return;
  s.prune.run(resource, cutoff);
  s.savePrunedThrough.run(cutoff, resource);
  s.savePrunedSeq.run(seq);
}
