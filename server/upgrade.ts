/**
 * Brings stored items up to today's schemas at start-up. An item stored before a field
 * with a default existed (a price rule from before `exclusive`, `validFrom`/`validUntil`
 * and `scope.tagIds`) gets exactly the missing defaults and nothing else, written through
 * the storage's normal write path: its version rises, the change is logged, the digest
 * follows and every commit listener hears it. A device that holds the old item therefore
 * catches up to the new one as to any other edit, and no version, digest or change-log
 * promise is bent. Generic over the ten types (driven by RESOURCES' schemas); idempotent,
 * so every start after the first finds nothing to do. docs/SERVER.md, "Upgrading stored items".
 */
import { z } from 'zod';
import { canonicalJson } from '../src/shared/digest';
import { RESOURCE_NAMES, RESOURCES, type ResourceName } from '../src/shared/resources';
import { ApiError, validationIssues } from './errors';
import type { Fields, Storage } from './storage/types';

export interface UpgradeReport {
  /** Items rewritten with defaults, by type. */
  upgraded: Partial<Record<ResourceName, number>>;
  /** Items that still fail today's schema (a rule refused since); left for a person to edit. */
  invalid: { resource: ResourceName; id: string; problem: string }[];
}

/** The object schema under defaults, nullability and optionality, if there is one. */
function objectSchema(schema: z.ZodType): z.ZodObject | null {
  let inner: z.ZodType = schema;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodNullable || inner instanceof z.ZodOptional)
    inner = inner.def.innerType as z.ZodType;
  return inner instanceof z.ZodObject ? inner : null;
}

function elementSchema(schema: z.ZodType): z.ZodType | null {
  let inner: z.ZodType = schema;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodNullable || inner instanceof z.ZodOptional)
    inner = inner.def.innerType as z.ZodType;
  return inner instanceof z.ZodArray ? (inner.element as z.ZodType) : null;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `value` with every field its schema defaults and it lacks, nested objects and lists included. */
export function withDefaults(schema: z.ZodType, value: unknown): unknown {
  const element = elementSchema(schema);
  if (element && Array.isArray(value)) return value.map((v) => withDefaults(element, v));
  const object = objectSchema(schema);
  if (!object || !isRecord(value)) return value;
  const out: Record<string, unknown> = { ...value };
  for (const [key, field] of Object.entries(object.shape as Record<string, z.ZodType>)) {
    if (Object.hasOwn(out, key)) out[key] = withDefaults(field, out[key]);
    else {
      const fallback = field.safeParse(undefined);
      if (fallback.success && fallback.data !== undefined) out[key] = fallback.data;
    }
  }
  return out;
}

/** Rewrites every stored item that lacks a defaulted field; returns what it did. */
export async function upgradeStoredItems(storage: Storage): Promise<UpgradeReport> {
  const report: UpgradeReport = { upgraded: {}, invalid: [] };
  for (const resource of RESOURCE_NAMES) {
    const { schema } = RESOURCES[resource];
    const { items } = await storage.list(resource);
    for (const { id, version, ...stored } of items) {
      const fields = withDefaults(schema, stored) as Fields;
      const check = schema.safeParse(fields);
      if (!check.success) {
        const first = validationIssues(check.error)[0];
        report.invalid.push({ resource, id, problem: first ? `${first.path}: ${first.message}` : 'invalid' });
      }
      if (canonicalJson(fields) === canonicalJson(stored)) continue;
      try {
        // If-Match: an edit that got in first went through validation, which set the defaults.
        await storage.write({
          action: 'update',
          resource,
          id,
          actor: 'upgrade',
          ifMatch: version,
          merge: () => fields,
        });
        report.upgraded[resource] = (report.upgraded[resource] ?? 0) + 1;
      } catch (error) {
        // Edited or deleted meanwhile (that write validated, so set the defaults), or refused:
        // the item stays as it is and the operator hears why; the database's own failures stop the start.
        if (!(error instanceof ApiError)) throw error;
        if (error.code !== 'precondition_failed' && error.code !== 'not_found')
          report.invalid.push({ resource, id, problem: error.message });
      }
    }
  }
  return report;
}

/** The report as log lines for the operator (nothing when there was nothing to do). */
export function describeUpgrade(report: UpgradeReport): string[] {
  const lines = Object.entries(report.upgraded).map(
    ([resource, n]) =>
      `upgraded ${n} stored ${resource} item(s) to the current schema (new fields at their defaults)`,
  );
  for (const { resource, id, problem } of report.invalid)
    lines.push(`stored ${resource} "${id}" fails today's rules (${problem}); edit it in Manage`);
  return lines;
}
