/**
 * The write transaction body for PostgreSQL, the twin of sqlite-write.ts. Writers on any
 * instance run concurrently at READ COMMITTED, so every check that SQLite gets from its
 * single writer is made explicit with a lock, always taken in this order (no deadlock):
 *
 * 1. the Idempotency-Key (transaction advisory lock): retries of one key queue up;
 * 2. the type's `resource_state` row (FOR UPDATE): one writer per type at a time, so the
 *    next version is exactly the stored one + 1 and the digest update is not lost;
 * 3. the item's own row (FOR UPDATE) and the rows it references (FOR SHARE): a delete
 *    and a create that points at the deleted item cannot both commit;
 * 4. last, `log_state` (UPDATE): the global seq is allocated while holding its row lock
 *    until COMMIT, so seqs become visible in seq order — readers of the log never see
 *    seq n+1 before seq n. It is held only for the final INSERT and the COMMIT.
 *
 * What the write does is decided by write-plan.ts; this file takes the locks, reads the
 * rows and writes the plan. Any ApiError rolls the whole transaction back: nothing
 * half-applies, no version is raised.
 */
import type pg from 'pg';
import type { ReferencedBy } from '../../src/shared/protocol';
import type { ResourceName } from '../../src/shared/resources';
import { type Reference, toItem } from './items';
import { firstRow, rows } from './postgres-pool';
import { LOCKS } from './postgres-schema';
import type { IdempotencyRequest, WriteRequest, WriteResult } from './types';
import type { AnswerRow, TypeState, WritePlan } from './write-plan';
import { answerOf, planWrite, refuseDangling, refuseReferenced } from './write-plan';

/** Serializes every use of one Idempotency-Key across instances until COMMIT. */
export async function lockKey(db: pg.PoolClient, actor: string, idempotency: IdempotencyRequest) {
  await db.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
    LOCKS.idempotency,
    `${actor}\n${idempotency.key}`,
  ]);
}

/** The stored answer for a key (null if unused); 409 when it answered another request. */
export async function storedAnswer(
  db: pg.Pool | pg.PoolClient,
  actor: string,
  idempotency: IdempotencyRequest,
) {
  const stored = await firstRow<AnswerRow>(
    db,
    'SELECT fingerprint, status, body FROM idempotency WHERE key = $1 AND employee_id = $2',
    [idempotency.key, actor],
  );
  return answerOf(stored, idempotency);
}

/** Refuses references to missing items (or to the item itself), share-locking the rest. */
async function checkReferences(db: pg.PoolClient, resource: ResourceName, id: string, refs: Reference[]) {
  if (refs.length === 0) return;
  const found = await rows<{ resource: string; id: string }>(
    db,
    `SELECT i.resource, i.id FROM items i
     JOIN unnest($1::text[], $2::text[]) AS r(resource, id) ON i.resource = r.resource AND i.id = r.id
     ORDER BY i.resource, i.id FOR SHARE OF i`,
    [refs.map((r) => r.target), refs.map((r) => r.id)],
  );
  const existing = new Set(found.map((r) => `${r.resource}\n${r.id}`));
  refuseDangling(resource, id, refs, (ref) => existing.has(`${ref.target}\n${ref.id}`));
}

/** Refuses to delete an item others still point at. */
async function checkUnreferenced(db: pg.PoolClient, resource: ResourceName, id: string) {
  const by = await rows<ReferencedBy>(
    db,
    `SELECT resource, id, field FROM refs WHERE target_resource = $1 AND target_id = $2
     AND NOT (resource = $1 AND id = $2) ORDER BY resource, id, field`,
    [resource, id],
  );
  refuseReferenced(resource, id, by);
}

/** Stores the item (or removes it) with its references and, for employees, PIN and sessions. */
async function saveItem(db: pg.PoolClient, req: WriteRequest, plan: WritePlan) {
  const { resource, id } = req;
  await db.query('DELETE FROM refs WHERE resource = $1 AND id = $2', [resource, id]);
  if (plan.fields) {
    await db.query(
      `INSERT INTO items (resource, id, version, data) VALUES ($1, $2, $3, $4)
       ON CONFLICT (resource, id) DO UPDATE SET version = excluded.version, data = excluded.data`,
      [resource, id, plan.state.version, JSON.stringify(plan.fields)],
    );
    const { refs } = plan;
    if (refs.length > 0)
      await db.query(
        `INSERT INTO refs (resource, id, field, target_resource, target_id)
         SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[]) ON CONFLICT DO NOTHING`,
        [resource, id, refs.map((r) => r.field), refs.map((r) => r.target), refs.map((r) => r.id)],
      );
  } else await db.query('DELETE FROM items WHERE resource = $1 AND id = $2', [resource, id]);

  if (plan.forgetCredentials) {
    await db.query('DELETE FROM employee_pins WHERE employee_id = $1', [id]);
    await db.query('DELETE FROM sessions WHERE employee_id = $1', [id]);
  }
  if (plan.pinHash)
    await db.query(
      `INSERT INTO employee_pins (employee_id, hash) VALUES ($1, $2)
       ON CONFLICT (employee_id) DO UPDATE SET hash = excluded.hash`,
      [id, plan.pinHash],
    );
}

/** Drops the type's changes up to `cutoff`; returns the highest seq dropped (0: none). */
async function pruneLog(db: pg.PoolClient, resource: ResourceName, cutoff: number | null) {
  if (cutoff === null) return 0;
  const row = await firstRow<{ seq: number | null }>(
    db,
    `WITH gone AS (DELETE FROM changes WHERE resource = $1 AND version <= $2 RETURNING seq)
     SELECT max(seq) AS seq FROM gone`,
    [resource, cutoff],
  );
  if (row?.seq == null) return 0;
  await db.query('UPDATE resource_state SET pruned_through = $1 WHERE resource = $2', [cutoff, resource]);
  return row.seq;
}

/** Applies one write; must run inside a transaction. */
export async function applyWrite(
  db: pg.PoolClient,
  req: WriteRequest,
  retention: number,
  now: number,
): Promise<WriteResult> {
  const { resource, id } = req;
  if (req.idempotency) await lockKey(db, req.actor, req.idempotency);
  const state = await firstRow<TypeState>(
    db,
    'SELECT version, digest, count FROM resource_state WHERE resource = $1 FOR UPDATE',
    [resource],
  );
  if (!state) throw new Error(`no state row for ${resource}`);
  // Read after the locks: at READ COMMITTED each statement sees every earlier commit.
  if (req.idempotency) {
    const answer = await storedAnswer(db, req.actor, req.idempotency);
    if (answer) return { ...answer, change: null };
  }

  const row = await firstRow<{ version: number; data: string }>(
    db,
    'SELECT version, data FROM items WHERE resource = $1 AND id = $2 FOR UPDATE',
    [resource, id],
  );
  const current = row ? toItem(id, row.version, row.data) : null;
  const plan = planWrite(req, current, state, retention, now);
  if (plan.fields) await checkReferences(db, resource, id, plan.refs);
  else await checkUnreferenced(db, resource, id);

  await saveItem(db, req, plan);
  const prunedSeq = await pruneLog(db, resource, plan.pruneThrough);
  const { version, digest, count } = plan.state;
  await db.query('UPDATE resource_state SET version = $1, digest = $2, count = $3 WHERE resource = $4', [
    version,
    digest,
    count,
    resource,
  ]);

  if (plan.answer)
    await db.query(
      `INSERT INTO idempotency (key, employee_id, fingerprint, status, body, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      plan.answer,
    );

  const { action, data } = plan.change;
  const logged = await firstRow<{ seq: number }>(
    db,
    `WITH next AS (
       UPDATE log_state SET last_seq = last_seq + 1, pruned_seq = greatest(pruned_seq, $6)
       WHERE id = 1 RETURNING last_seq
     )
     INSERT INTO changes (seq, resource, version, action, item_id, data)
     SELECT last_seq, $1, $2, $3, $4, $5 FROM next RETURNING seq`,
    [resource, version, action, id, data ? JSON.stringify(data) : null, prunedSeq],
  );
  return { status: plan.status, body: plan.body, change: { seq: logged!.seq, ...plan.change } };
}
