/**
 * What every storage back end does the same way with items: rows to wire items, the
 * references an item holds, the checks every write makes against the stored item, and
 * the error for a reused Idempotency-Key.
 */
import { type Item, RESOURCES, type ResourceName } from '../../src/shared/resources';
import { ApiError } from '../errors';
import type { Change, Fields, WriteRequest } from './types';

/** Builds the wire item from a stored row (fields as JSON text). */
export function toItem(id: string, version: number, data: string): Item {
  return { id, version, ...(JSON.parse(data) as Fields) } as Item;
}

/** A change-log row as both back ends store it (data as JSON text, null for a delete). */
export interface ChangeRow {
  seq: number;
  resource: ResourceName;
  version: number;
  action: Change['action'];
  item_id: string;
  data: string | null;
}

/** Builds the change (and the SSE event's item) from a change-log row. */
export function toChange(row: ChangeRow): Change {
  return {
    seq: row.seq,
    resource: row.resource,
    version: row.version,
    action: row.action,
    id: row.item_id,
    data: row.data === null ? null : (JSON.parse(row.data) as Item),
  };
}

/** Every (field, target, id) reference the fields hold, without repeats. */
export function referencesOf(resource: ResourceName, fields: Fields) {
  const out: { field: string; target: ResourceName; id: string }[] = [];
  for (const ref of RESOURCES[resource].references)
    for (const id of new Set(ref.ids(fields))) out.push({ field: ref.field, target: ref.target, id });
  return out;
}

export function keyReused(): ApiError {
  return new ApiError(
    'idempotency_key_reused',
    'this Idempotency-Key was already used for a different request',
  );
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
