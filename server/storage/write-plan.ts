/**
 * What every write decides, the same on both back ends: the checks against the stored
 * item, which references it may hold and whether it may go, the next version, digest
 * and count, the answer and the change to log. Pure functions of what the back end read;
 * sqlite-write.ts and postgres-write.ts keep only their SQL (and their locks).
 */
import { updateDigest } from '../../src/shared/digest';
import type { ReferencedBy, SyncAction } from '../../src/shared/protocol';
import type { Item, ResourceName } from '../../src/shared/resources';
import { ApiError } from '../errors';
import { type Reference, referencesOf } from './items';
import type { Change, Fields, IdempotencyRequest, StoredAnswer, WriteRequest } from './types';

/** A type's counters before the write, from its `resource_state` row. */
export interface TypeState {
  version: number;
  digest: string;
  count: number;
}

/** An idempotency row as both back ends store it (the body as JSON text). */
export interface AnswerRow {
  fingerprint: string;
  status: number;
  body: string;
}

/** What one write stores, answers and logs; the back end writes it with its own SQL. */
export interface WritePlan {
  /** The fields to store; null: the item is deleted. */
  fields: Fields | null;
  /** The references the stored fields hold (none after a delete). */
  refs: Reference[];
  /** The type's counters after the write: version + 1, the digest and count updated. */
  state: TypeState;
  /** The change to log, without its seq: the back end allocates that. */
  change: Omit<Change, 'seq'>;
  /** 201 for a create, else 200. */
  status: number;
  /** The stored item, or `{ id, version }` for a delete. */
  body: unknown;
  /** A new PIN hash to store for the employee. */
  pinHash: string | null;
  /** A deleted employee's PIN hash and sessions go with them. */
  forgetCredentials: boolean;
  /** Changes of the type up to this version leave the log; null when none is old enough. */
  pruneThrough: number | null;
  /** The Idempotency-Key's answer to keep, as `idempotency`'s columns in order; null without a key. */
  answer: AnswerColumns | null;
}

/** key, employee_id, fingerprint, status, body (JSON text), created_at. */
export type AnswerColumns = [string, string, string, number, string, number];

const ACTIONS: Record<WriteRequest['action'], SyncAction> = {
  create: 'created',
  update: 'updated',
  delete: 'deleted',
};

const COUNT_DELTA: Record<WriteRequest['action'], number> = { create: 1, update: 0, delete: -1 };

export function keyReused(): ApiError {
  return new ApiError(
    'idempotency_key_reused',
    'this Idempotency-Key was already used for a different request',
  );
}

/** The first answer given to a key (null if unused); 409 when it answered another request. */
export function answerOf(
  row: AnswerRow | null | undefined,
  idempotency: IdempotencyRequest,
): StoredAnswer | null {
  if (!row) return null;
  if (row.fingerprint !== idempotency.fingerprint) throw keyReused();
  return { status: row.status, body: JSON.parse(row.body) as unknown };
}

/**
 * Checks a write against the item as stored (exists or not, If-Match) and returns the
 * fields to store: the new ones for a create, the merged ones for an update, null for a
 * delete. Throws the contract's error otherwise; nothing has been written yet.
 */
export function nextFields(req: WriteRequest, current: Item | null): Fields | null {
  const { resource, id } = req;
  if (req.action === 'create' && current)
    throw new ApiError('already_exists', `${resource} "${id}" already exists`, { resource, id });
  if (req.action !== 'create' && !current)
    throw new ApiError('not_found', `no ${resource} with id "${id}"`, { resource, id });
  if (req.ifMatch !== undefined && current && current.version !== req.ifMatch)
    throw new ApiError('precondition_failed', `${resource} "${id}" changed since version ${req.ifMatch}`, {
      currentVersion: current.version,
    });
  if (req.action === 'create') return req.fields;
  if (req.action === 'delete') return null;
  const { id: _id, version: _v, ...stored } = current!;
  return req.merge(stored);
}

/**
 * Everything one write does, from the item as stored and the type's counters; throws
 * (before anything is written) when `nextFields` refuses it. References are checked
 * apart, against the rows: `refuseDangling`, `refuseReferenced`.
 */
export function planWrite(
  req: WriteRequest,
  current: Item | null,
  state: TypeState,
  retention: number,
  now: number,
): WritePlan {
  const { resource, id } = req;
  const fields = nextFields(req, current);
  const version = state.version + 1;
  const item = fields ? ({ id, version, ...fields } as Item) : null;
  const employee = resource === 'employee';
  const cutoff = version - retention;
  const status = req.action === 'create' ? 201 : 200;
  const body = item ?? { id, version };
  const key = req.idempotency;
  return {
    fields,
    refs: fields ? referencesOf(resource, fields) : [],
    state: {
      version,
      digest: updateDigest(state.digest, current, item),
      count: state.count + COUNT_DELTA[req.action],
    },
    change: { resource, version, action: ACTIONS[req.action], id, data: item },
    status,
    body,
    pinHash: employee && req.action !== 'delete' ? (req.pinHash ?? null) : null,
    forgetCredentials: employee && req.action === 'delete',
    pruneThrough: cutoff > 0 ? cutoff : null,
    answer: key ? [key.key, req.actor, key.fingerprint, status, JSON.stringify(body), now] : null,
  };
}

/**
 * Refuses references to missing items, or to the item itself (no self-loops); `exists`
 * says whether the back end holds a target (asked only for the others).
 */
export function refuseDangling(
  resource: ResourceName,
  id: string,
  refs: Reference[],
  exists: (ref: Reference) => boolean,
): void {
  const dangling = refs.filter((ref) => (ref.target === resource && ref.id === id) || !exists(ref));
  if (dangling.length === 0) return;
  const first = dangling[0]!;
  throw new ApiError(
    'invalid_reference',
    `${first.field}: no ${first.target} with id "${first.id}"`,
    dangling.map((d) => ({ field: d.field, resource: d.target, id: d.id })),
  );
}

/** Refuses to delete an item others still point at, naming them. */
export function refuseReferenced(resource: ResourceName, id: string, by: ReferencedBy[]): void {
  if (by.length > 0)
    throw new ApiError('referenced', `${resource} "${id}" is still referenced by ${by.length} item(s)`, by);
}
