/**
 * Checks on untrusted request input shared by the routes: ids, queries, headers, JSON bodies.
 * Each failure is a 400 in the contract's shape that names what was wrong.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { canonicalJson } from '../../src/shared/digest';
import { idSchema, RESOURCES, type ResourceName } from '../../src/shared/resources';
import { ApiError, fieldError, validationError } from '../errors';

/** A path or body id, or 400 naming the field. */
export function parseId(value: unknown, path = 'id'): string {
  const result = idSchema.safeParse(value);
  if (!result.success) throw validationError(result.error, [path]);
  return result.data;
}

/** One query parameter as a single string; missing → undefined, repeated → 400 naming it. */
export function queryParam(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ApiError('invalid_query', `give ${name} once`, { param: name });
  return value;
}

/** The body as a plain JSON object; arrays, strings and numbers are refused. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined)
    throw new ApiError(
      'invalid_json',
      'the request needs a JSON object body (Content-Type: application/json)',
    );
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new ApiError('validation_failed', 'the body must be a JSON object', [
      { path: '', code: 'invalid_type', message: 'expected a JSON object' },
    ]);
  return body as Record<string, unknown>;
}

/** `If-Match: 7`, `"7"` or `W/"7"`; `*` means "any version". Undefined when absent. */
export function parseIfMatch(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.trim() === '*') return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(value);
  if (!m)
    throw new ApiError('invalid_header', 'If-Match must be an item version, e.g. If-Match: 7', {
      header: 'if-match',
    });
  return Number(m[1]);
}

/** An Idempotency-Key: 1-200 visible ASCII characters. */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(header))
    throw new ApiError('invalid_header', 'Idempotency-Key must be 1-200 visible ASCII characters', {
      header: 'idempotency-key',
    });
  return header;
}

/**
 * Fingerprint of a write for Idempotency-Key reuse detection. A PIN only counts as
 * "present": a fast hash over a 4-8 digit PIN would be trivially reversible.
 */
export function fingerprint(method: string, path: string, body: unknown, hasPin: boolean): string {
  return createHash('sha256')
    .update(canonicalJson([method, path, body ?? null, hasPin]))
    .digest('hex');
}

type Shape = Record<string, z.ZodType>;

/** The per-field schemas of a type, for checking a PATCH before the merge. */
function shapeOf(resource: ResourceName): Shape {
  return (RESOURCES[resource].schema as unknown as { shape: Shape }).shape;
}

/** The full schema check: a created item, or the merged result of a PATCH. */
export function validateFields(
  resource: ResourceName,
  fields: Record<string, unknown>,
): Record<string, unknown> {
  const result = RESOURCES[resource].schema.safeParse(fields);
  if (!result.success) throw validationError(result.error);
  return result.data as Record<string, unknown>;
}

/** Checks each field of a PATCH on its own: unknown fields and wrong types fail early. */
export function validatePatch(resource: ResourceName, patch: Record<string, unknown>): void {
  const shape = shapeOf(resource);
  const unknown = Object.keys(patch).filter((k) => !Object.hasOwn(shape, k));
  if (unknown.length > 0)
    throw new ApiError(
      'validation_failed',
      `${unknown[0]}: unknown field`,
      unknown.map((path) => ({ path, code: 'unrecognized_keys', message: 'unknown field' })),
    );
  for (const [key, value] of Object.entries(patch)) {
    const result = shape[key]!.safeParse(value);
    if (!result.success) throw validationError(result.error, [key]);
  }
}

/** Rejects `version` in a body: versions are the server's; If-Match checks them. */
export function rejectVersionField(body: Record<string, unknown>): void {
  if (Object.hasOwn(body, 'version'))
    throw fieldError('version', 'versions are set by the server; send If-Match to check one');
}
