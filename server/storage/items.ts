/**
 * What every storage back end does the same way with items: rows to wire items, the
 * references an item holds, and the error for a reused Idempotency-Key.
 */
import { type Item, RESOURCES, type ResourceName } from '../../src/shared/resources';
import { ApiError } from '../errors';
import type { Fields } from './types';

/** Builds the wire item from a stored row (fields as JSON text). */
export function toItem(id: string, version: number, data: string): Item {
  return { id, version, ...(JSON.parse(data) as Fields) } as Item;
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
