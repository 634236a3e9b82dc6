/**
 * Reads a resource type's zod schema into the fields the generic form edits. Every type
 * goes through this one path: the editor for a field follows from its schema type, and
 * id fields become selects of the type they reference (RESOURCES[type].references).
 */
import { z } from 'zod';
import { newId } from '../../shared/ids';
import { RESOURCES, type ResourceName } from '../../shared/resources';
import { humanize } from '../format';

interface FieldBase {
  /** Dotted path in the item ("scope.productIds"), as server issues name it. */
  path: string;
  key: string;
  label: string;
  /** One line of help where the schema alone does not say what a value means. */
  hint: string | undefined;
  defaultValue: unknown;
}

/** Help texts by `type.path` (list rows as `*`), or by `*.key` for every type. */
const HINTS: Record<string, string> = {
  '*.sortOrder': 'Lower numbers come first.',
  'category.parentId': 'Optional: shows this category inside another one.',
  'attribute.multiple': 'Guests may pick several options.',
  'attribute.options.*.priceDeltaCents': 'Added to the price; negative makes it cheaper.',
  'dining_table.x': 'Across the floor plan: 0 (left) to 1000 (right).',
  'dining_table.y': 'Down the floor plan: 0 (top) to 1000 (bottom).',
  'price_rule.amount': 'Percent from 1 to 100, or for a fixed amount the minor units (150 = 1.50).',
  'price_rule.scope':
    'Listed products, categories and tags: any of them matches; none listed: the whole menu. No zones: every zone.',
  'price_rule.weekdays': 'None chosen: every day.',
  'price_rule.startTime':
    'Leave start and end empty for all day; an end before the start runs past midnight.',
  'price_rule.validFrom': 'First day the rule counts, in the venue’s time zone; empty: no start.',
  'price_rule.validUntil': 'Last day the rule counts (included); empty: no end.',
  'price_rule.priority': 'Rules with a higher priority apply first.',
  'price_rule.exclusive':
    'When this rule applies, rules of the same or lower priority do not; rules of higher priority still do.',
  'print_destination.address': 'host:port on the venue network, e.g. 192.168.1.50:9100.',
};

export type FieldSpec = FieldBase &
  (
    | { kind: 'text'; multiline: boolean; maxLength: number | undefined }
    | { kind: 'color' }
    | { kind: 'time'; nullable: boolean }
    | { kind: 'date'; nullable: boolean }
    | { kind: 'number'; money: boolean; min: number | undefined; max: number | undefined }
    | { kind: 'boolean' }
    | { kind: 'enum'; options: string[] }
    | { kind: 'reference'; target: ResourceName; nullable: boolean }
    | { kind: 'references'; target: ResourceName }
    | { kind: 'enumSet'; options: string[] }
    | { kind: 'numberSet'; min: number; max: number }
    | { kind: 'objectList'; fields: FieldSpec[]; minItems: number }
    | { kind: 'group'; fields: FieldSpec[] }
    | { kind: 'hiddenId' }
  );

/** Peels defaults and nullability off a schema, remembering both. */
function unwrap(schema: z.ZodType): { inner: z.ZodType; nullable: boolean; defaultValue: unknown } {
  let inner = schema;
  let nullable = false;
  let defaultValue: unknown;
  for (;;) {
    if (inner instanceof z.ZodDefault) {
      defaultValue = inner.def.defaultValue;
      inner = inner.def.innerType as z.ZodType;
    } else if (inner instanceof z.ZodNullable) {
      nullable = true;
      inner = inner.def.innerType as z.ZodType;
    } else return { inner, nullable, defaultValue };
  }
}

function minLengthOf(schema: z.ZodArray): number {
  for (const check of schema.def.checks ?? []) {
    const def = check._zod.def as { check: string; minimum?: number };
    if (def.check === 'min_length' && typeof def.minimum === 'number') return def.minimum;
  }
  return 0;
}

/** A regex check's pattern, for strings whose format decides the editor (colours, times). */
function patternOf(schema: z.ZodString): string {
  for (const check of schema.def.checks ?? []) {
    const def = check._zod.def as { format?: string; pattern?: RegExp };
    if (def.format === 'regex' && def.pattern) return def.pattern.source;
  }
  return '';
}

function fieldOf(resource: ResourceName, path: string, key: string, schema: z.ZodType): FieldSpec {
  const { inner, nullable, defaultValue } = unwrap(schema);
  const reference = RESOURCES[resource].references.find((r) => r.field === path);
  const base = { path, key, label: humanize(key), hint: HINTS[`${resource}.${path}`] ?? HINTS[`*.${key}`] };
  if (reference) {
    const target = RESOURCES[reference.target];
    if (inner instanceof z.ZodArray) {
      return {
        ...base,
        label: target.plural,
        kind: 'references',
        target: reference.target,
        defaultValue: [],
      };
    }
    return {
      ...base,
      label: target.label,
      kind: 'reference',
      target: reference.target,
      nullable,
      defaultValue: nullable ? null : '',
    };
  }
  if (key === 'id' && inner instanceof z.ZodString) return { ...base, kind: 'hiddenId', defaultValue: '' };
  if (inner instanceof z.ZodISODate)
    return { ...base, kind: 'date', nullable, defaultValue: nullable ? null : '' };
  if (inner instanceof z.ZodString) {
    const pattern = patternOf(inner);
    if (pattern.includes('#')) return { ...base, kind: 'color', defaultValue: defaultValue ?? '#8a8f98' };
    if (pattern.includes('[0-5]'))
      return { ...base, kind: 'time', nullable, defaultValue: nullable ? null : '' };
    const maxLength = inner.maxLength ?? undefined;
    return {
      ...base,
      kind: 'text',
      multiline: (maxLength ?? 0) > 200,
      maxLength,
      defaultValue: defaultValue ?? '',
    };
  }
  if (inner instanceof z.ZodNumber) {
    const min = inner.minValue ?? undefined;
    const max = inner.maxValue ?? undefined;
    const money = key.endsWith('Cents');
    return { ...base, kind: 'number', money, min, max, defaultValue: defaultValue ?? Math.max(0, min ?? 0) };
  }
  if (inner instanceof z.ZodBoolean) return { ...base, kind: 'boolean', defaultValue: defaultValue ?? false };
  if (inner instanceof z.ZodEnum) {
    const options = inner.options.map(String);
    return { ...base, kind: 'enum', options, defaultValue: defaultValue ?? options[0] };
  }
  if (inner instanceof z.ZodArray) {
    const element = unwrap(inner.element as z.ZodType).inner;
    if (element instanceof z.ZodEnum) {
      return {
        ...base,
        kind: 'enumSet',
        options: element.options.map(String),
        defaultValue: defaultValue ?? [],
      };
    }
    if (element instanceof z.ZodNumber) {
      return {
        ...base,
        kind: 'numberSet',
        min: element.minValue ?? 0,
        max: element.maxValue ?? 0,
        defaultValue: [],
      };
    }
    if (element instanceof z.ZodObject) {
      const fields = fieldsOfShape(resource, `${path}.*`, element.shape);
      return {
        ...base,
        kind: 'objectList',
        fields,
        minItems: minLengthOf(inner),
        defaultValue: defaultValue ?? [],
      };
    }
  }
  if (inner instanceof z.ZodObject) {
    const fields = fieldsOfShape(resource, path, inner.shape);
    return { ...base, kind: 'group', fields, defaultValue: defaultsOf(fields) };
  }
  // Every schema in resources.ts maps above; a new kind shows up as a plain text field.
  return { ...base, kind: 'text', multiline: false, maxLength: undefined, defaultValue: defaultValue ?? '' };
}

function fieldsOfShape(
  resource: ResourceName,
  prefix: string,
  shape: Record<string, z.ZodType>,
): FieldSpec[] {
  return Object.entries(shape).map(([key, schema]) =>
    fieldOf(resource, prefix ? `${prefix}.${key}` : key, key, schema),
  );
}

/** The editable fields of a type, in schema order. */
export function fieldsOf(resource: ResourceName): FieldSpec[] {
  return fieldsOfShape(resource, '', RESOURCES[resource].schema.shape as Record<string, z.ZodType>);
}

/** A fresh draft: each field's schema default, or an empty value of its kind. */
export function defaultsOf(fields: FieldSpec[]): Record<string, unknown> {
  const draft: Record<string, unknown> = {};
  for (const field of fields) {
    if (field.kind === 'hiddenId') draft[field.key] = newId();
    else if (field.kind === 'objectList' && field.minItems > 0) draft[field.key] = [defaultsOf(field.fields)];
    else draft[field.key] = structuredClone(field.defaultValue);
  }
  return draft;
}

/**
 * The concrete paths a draft renders ("options.0.name"), nested rows included, so an
 * issue's path can be placed beside the closest field that shows it.
 */
export function renderedPaths(fields: FieldSpec[], draft: Record<string, unknown>, prefix = ''): string[] {
  return fields.flatMap((field) => {
    const path = prefix + field.key;
    const value = draft[field.key];
    if (field.kind === 'group' && value && typeof value === 'object') {
      return [path, ...renderedPaths(field.fields, value as Record<string, unknown>, `${path}.`)];
    }
    if (field.kind === 'objectList' && Array.isArray(value)) {
      return [
        path,
        ...value.flatMap((row, i) =>
          renderedPaths(field.fields, row as Record<string, unknown>, `${path}.${i}.`),
        ),
      ];
    }
    return field.kind === 'hiddenId' ? [] : [path];
  });
}

/** What every field editor receives. */
export interface EditorProps {
  field: FieldSpec;
  /** Rendered path ("options.0.name"): the id of the input and the key of its errors. */
  path: string;
  value: unknown;
  onChange: (value: unknown) => void;
  errors: Record<string, string[]>;
}

/** The DOM id of a field's input, from its rendered path ("options.0.name" → "field-options-0-name"). */
export const fieldId = (path: string) => `field-${path.replace(/\./g, '-')}`;
