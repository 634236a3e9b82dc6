/**
 * What every storage back end reads the same way: rows to wire items and changes, the
 * state row of a type, and the references an item holds. The write path's decisions are
 * in write-plan.ts.
 */
import { type Item, RESOURCES, type ResourceName } from '../../src/shared/resources';
import type { Change, Fields } from './types';

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

/** A type's row in `resource_state`, as both back ends keep it. */
export interface StateRow {
  resource: ResourceName;
  version: number;
  digest: string;
  count: number;
  pruned_through: number;
}

/** One id an item points at, and through which field. */
export interface Reference {
  field: string;
  target: ResourceName;
  id: string;
}

/** Every (field, target, id) reference the fields hold, without repeats. */
export function referencesOf(resource: ResourceName, fields: Fields): Reference[] {
  const out: Reference[] = [];
  for (const ref of RESOURCES[resource].references)
    for (const id of new Set(ref.ids(fields))) out.push({ field: ref.field, target: ref.target, id });
  return out;
}
