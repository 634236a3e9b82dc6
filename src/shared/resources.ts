/**
 * The ten resource types: their protocol names, REST collections, field schemas and
 * references. Server and client both read this list; every generic path (storage,
 * routes, stores, digests) is driven by it, so adding a field happens here only.
 */
import { z } from 'zod';
import { API_PREFIX } from './protocol';

/** Protocol names of the resource types, in a stable display order. */
export const RESOURCE_NAMES = [
  'product',
  'category',
  'tag',
  'attribute',
  'zone',
  'dining_table',
  'employee',
  'role',
  'price_rule',
  'print_destination',
] as const;

export type ResourceName = (typeof RESOURCE_NAMES)[number];

/** An id chosen by the client (a UUID) or the server; safe in URLs and logs. */
export const idSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'must be 1-64 letters, digits, "_", ".", ":" or "-"');

const name = z.string().trim().min(1, 'must not be empty').max(120);
const sortOrder = z.number().int().min(-1_000_000).max(1_000_000);
const cents = z.number().int().min(-100_000_000).max(100_000_000);
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)');
/** A calendar date (YYYY-MM-DD, a real day); compared as text, which orders dates correctly. */
const isoDate = z.iso.date('must be a date YYYY-MM-DD');

/** Every permission a role can grant: one "may write" permission per resource type. */
export const PERMISSIONS = RESOURCE_NAMES.map((r) => `${r}.write` as const);
export type Permission = (typeof PERMISSIONS)[number];

/** The permission needed to create, update or delete items of a type. */
export function writePermission(resource: ResourceName): Permission {
  return `${resource}.write`;
}

const fieldSchemas = {
  product: z.strictObject({
    name,
    categoryId: idSchema,
    priceCents: cents.min(0),
    tagIds: z.array(idSchema).max(50).default([]),
    attributeIds: z.array(idSchema).max(50).default([]),
    printDestinationId: idSchema.nullable().default(null),
    active: z.boolean().default(true),
    sortOrder: sortOrder.default(0),
    description: z.string().max(1000).default(''),
  }),
  category: z.strictObject({
    name,
    parentId: idSchema.nullable().default(null),
    sortOrder: sortOrder.default(0),
    color: z
      .string()
      .regex(/^#[0-9a-f]{6}$/, 'must be a colour like #aabbcc')
      .default('#8a8f98'),
  }),
  tag: z.strictObject({
    name,
    color: z.string().regex(/^#[0-9a-f]{6}$/, 'must be a colour like #aabbcc'),
  }),
  attribute: z.strictObject({
    name,
    multiple: z.boolean().default(false),
    options: z
      .array(z.strictObject({ id: idSchema, name, priceDeltaCents: cents }))
      .min(1, 'needs at least one option')
      .max(50)
      .refine((opts) => new Set(opts.map((o) => o.id)).size === opts.length, 'option ids must be unique'),
  }),
  zone: z.strictObject({
    name,
    sortOrder: sortOrder.default(0),
  }),
  dining_table: z.strictObject({
    name,
    zoneId: idSchema,
    seats: z.number().int().min(1).max(50),
    shape: z.enum(['round', 'square', 'rect']).default('square'),
    x: z.number().int().min(0).max(1000),
    y: z.number().int().min(0).max(1000),
  }),
  employee: z.strictObject({
    name,
    roleId: idSchema,
    active: z.boolean().default(true),
  }),
  role: z.strictObject({
    name,
    permissions: z
      .array(z.enum(PERMISSIONS as unknown as [Permission, ...Permission[]]))
      .max(PERMISSIONS.length)
      .refine((p) => new Set(p).size === p.length, 'permissions must not repeat'),
  }),
  price_rule: z
    .strictObject({
      name,
      kind: z.enum(['discount', 'surcharge']),
      amountType: z.enum(['percent', 'fixed']),
      /** Percent as a whole number 1-100, or a fixed amount in cents. */
      amount: z.number().int().min(1).max(100_000_000),
      /** Listed products, categories (with their sub-categories) and tags: any of them matches. */
      scope: z.strictObject({
        productIds: z.array(idSchema).max(500).default([]),
        categoryIds: z.array(idSchema).max(500).default([]),
        tagIds: z.array(idSchema).max(500).default([]),
        zoneIds: z.array(idSchema).max(500).default([]),
      }),
      /** ISO weekdays 1 (Monday) to 7 (Sunday); empty means every day. */
      weekdays: z
        .array(z.number().int().min(1).max(7))
        .max(7)
        .refine((days) => new Set(days).size === days.length, 'weekdays must not repeat')
        .default([]),
      startTime: hhmm.nullable().default(null),
      endTime: hhmm.nullable().default(null),
      /** First and last day the rule counts (inclusive, in the venue's time zone); null is open. */
      validFrom: isoDate.nullable().default(null),
      validUntil: isoDate.nullable().default(null),
      priority: z.number().int().min(0).max(1000).default(0),
      /** When it applies, rules of the same or lower priority do not (src/shared/pricing.ts). */
      exclusive: z.boolean().default(false),
      active: z.boolean().default(true),
    })
    .refine((r) => r.amountType !== 'percent' || r.amount <= 100, {
      message: 'a percent amount must be 1-100',
      path: ['amount'],
    })
    .refine((r) => (r.startTime === null) === (r.endTime === null), {
      message: 'startTime and endTime go together',
      path: ['endTime'],
    })
    .refine((r) => r.startTime === null || r.startTime !== r.endTime, {
      message: 'the time window is empty: endTime equals startTime (leave both empty for all day)',
      path: ['endTime'],
    })
    .refine((r) => r.validFrom === null || r.validUntil === null || r.validFrom <= r.validUntil, {
      message: 'validUntil is before validFrom',
      path: ['validUntil'],
    }),
  print_destination: z.strictObject({
    name,
    kind: z.enum(['kitchen', 'bar', 'receipt']),
    /** host:port of the printer on the venue's network. */
    address: z.string().regex(/^[A-Za-z0-9.-]{1,253}:\d{1,5}$/, 'must be host:port'),
    active: z.boolean().default(true),
  }),
} satisfies Record<ResourceName, z.ZodType>;

/** The stored fields of each type (without `id` and `version`). */
export type ResourceFields = { [R in ResourceName]: z.output<(typeof fieldSchemas)[R]> };

/** An item as it goes over the wire and sits in IndexedDB. */
export type Item<R extends ResourceName = ResourceName> = { id: string; version: number } & ResourceFields[R];

/** A reference from one field of an item to items of another type. */
export interface Reference {
  /** Dotted path of the field, as named in error messages ("scope.productIds"). */
  field: string;
  target: ResourceName;
  /** The ids the item points at through this field (empty when null). */
  ids: (fields: Record<string, unknown>) => string[];
}

/** One resource type as both sides see it. */
export interface ResourceDefinition<R extends ResourceName = ResourceName> {
  name: R;
  /** REST collection path, e.g. `/api/dining-tables`. */
  collection: string;
  /** Human label for screens and messages. */
  label: string;
  plural: string;
  /** Validates a full item body (create, or the merged result of a PATCH). */
  schema: (typeof fieldSchemas)[R];
  references: Reference[];
}

function one(field: string, target: ResourceName): Reference {
  return { field, target, ids: (f) => (typeof f[field] === 'string' ? [f[field] as string] : []) };
}

function many(path: string, target: ResourceName): Reference {
  const parts = path.split('.');
  return {
    field: path,
    target,
    ids: (f) => {
      let value: unknown = f;
      for (const p of parts) value = (value as Record<string, unknown> | undefined)?.[p];
      return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
    },
  };
}

function define<R extends ResourceName>(
  name: R,
  collection: string,
  label: string,
  plural: string,
  references: Reference[],
): ResourceDefinition<R> {
  return {
    name,
    collection: `${API_PREFIX}${collection}`,
    label,
    plural,
    schema: fieldSchemas[name],
    references,
  };
}

/** Every resource type by protocol name. */
export const RESOURCES: { [R in ResourceName]: ResourceDefinition<R> } = {
  product: define('product', 'products', 'Product', 'Products', [
    one('categoryId', 'category'),
    many('tagIds', 'tag'),
    many('attributeIds', 'attribute'),
    one('printDestinationId', 'print_destination'),
  ]),
  category: define('category', 'categories', 'Category', 'Categories', [one('parentId', 'category')]),
  tag: define('tag', 'tags', 'Tag', 'Tags', []),
  attribute: define('attribute', 'attributes', 'Attribute', 'Attributes', []),
  zone: define('zone', 'zones', 'Zone', 'Zones', []),
  dining_table: define('dining_table', 'dining-tables', 'Table', 'Tables', [one('zoneId', 'zone')]),
  employee: define('employee', 'employees', 'Employee', 'Employees', [one('roleId', 'role')]),
  role: define('role', 'roles', 'Role', 'Roles', []),
  price_rule: define('price_rule', 'price-rules', 'Price rule', 'Price rules', [
    many('scope.productIds', 'product'),
    many('scope.categoryIds', 'category'),
    many('scope.tagIds', 'tag'),
    many('scope.zoneIds', 'zone'),
  ]),
  print_destination: define('print_destination', 'print-destinations', 'Printer', 'Printers', []),
};

/** True for the ten protocol names, so untrusted strings can be narrowed. */
export function isResourceName(value: unknown): value is ResourceName {
  return typeof value === 'string' && (RESOURCE_NAMES as readonly string[]).includes(value);
}

/** The type served at a collection path, or undefined. */
export function resourceByCollection(collection: string): ResourceName | undefined {
  return RESOURCE_NAMES.find((r) => RESOURCES[r].collection === collection);
}

/**
 * An employee's PIN is write-only: accepted as `pin` in employee create/update bodies,
 * stored by the server as a salted scrypt hash, and never part of an item or an event.
 */
export const pinSchema = z.string().regex(/^\d{4,8}$/, 'must be 4 to 8 digits');
