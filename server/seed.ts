/**
 * The demo restaurant for a new database. Every item goes through the normal write path
 * in one all-or-nothing batch, so versions, digests, references and the change log are
 * exactly what the same edits made through the API would produce.
 */
import { randomUUID } from 'node:crypto';
import { venueMoment } from '../src/shared/pricing';
import { PERMISSIONS, type Permission, RESOURCES, type ResourceName } from '../src/shared/resources';
import { hashPin, randomPin } from './auth/pin';
import { ATTRIBUTES, FLOOR, MENU, type Printer, STAFF, TAGS } from './seed-data';
import type { CreateRequest, ItemStorage } from './storage/types';

export interface SeededEmployee {
  id: string;
  name: string;
  role: string;
  pin: string;
}

export interface SeedOptions {
  /** The manager's PIN; random 6 digits when not given. */
  adminPin?: string | null;
  scryptN: number;
  /** The venue's zone: the dated demo rule starts on the venue's today (default UTC). */
  timeZone?: string;
}

/** The venue-local date `days` after `at`, YYYY-MM-DD. */
function venueDate(at: number, days: number, timeZone: string): string {
  return venueMoment(at + days * 86_400_000, timeZone).date;
}

const ROLES: Record<string, Permission[]> = {
  Manager: [...PERMISSIONS],
  'Shift lead': ['product.write', 'dining_table.write'],
  Waiter: [],
};

/** Seeds the demo restaurant; returns the staff with their PINs (shown once, never stored). */
export async function seedDemo(storage: ItemStorage, options: SeedOptions): Promise<SeededEmployee[]> {
  const writes: CreateRequest[] = [];
  /** Queues one validated create and returns the new id. */
  const add = (resource: ResourceName, fields: Record<string, unknown>, pinHash?: string): string => {
    const id = randomUUID();
    const parsed = RESOURCES[resource].schema.parse(fields) as Record<string, unknown>;
    writes.push({ action: 'create', resource, id, actor: 'seed', fields: parsed, pinHash });
    return id;
  };

  const printers: Record<Printer | 'receipt', string> = {
    kitchen: add('print_destination', { name: 'Kitchen', kind: 'kitchen', address: '192.168.1.50:9100' }),
    bar: add('print_destination', { name: 'Bar', kind: 'bar', address: '192.168.1.51:9100' }),
    receipt: add('print_destination', { name: 'Front desk', kind: 'receipt', address: '192.168.1.52:9100' }),
  };
  const tags = Object.fromEntries(
    Object.entries(TAGS).map(([key, [name, color]]) => [key, add('tag', { name, color })]),
  ) as Record<keyof typeof TAGS, string>;
  const attributes = Object.fromEntries(
    Object.entries(ATTRIBUTES).map(([key, [name, multiple, options]]) => [
      key,
      add('attribute', {
        name,
        multiple,
        options: options.map(([option, priceDeltaCents], i) => ({
          id: `${key}-${i + 1}`,
          name: option,
          priceDeltaCents,
        })),
      }),
    ]),
  ) as Record<keyof typeof ATTRIBUTES, string>;

  const categories: Record<string, string> = {};
  const productIds: string[] = [];
  MENU.forEach((section, s) => {
    categories[section.name] = add('category', {
      name: section.name,
      sortOrder: s * 10,
      color: section.color,
    });
  });
  MENU.forEach((section) => {
    section.dishes.forEach(([name, priceCents, tagKeys, attributeKeys], i) => {
      productIds.push(
        add('product', {
          name,
          categoryId: categories[section.name],
          priceCents,
          tagIds: tagKeys.map((t) => tags[t]),
          attributeIds: attributeKeys.map((a) => attributes[a]),
          printDestinationId: printers[section.printer],
          sortOrder: i * 10,
          description: '',
        }),
      );
    });
  });

  const zones: Record<string, string> = {};
  FLOOR.forEach(([zone, prefix, count, seats, shape], z) => {
    zones[zone] = add('zone', { name: zone, sortOrder: z * 10 });
    for (let t = 0; t < count; t++)
      add('dining_table', {
        name: `${prefix}${t + 1}`,
        zoneId: zones[zone],
        seats: t % 3 === 2 ? seats + 2 : seats,
        shape,
        x: 60 + (t % 5) * 180,
        y: 60 + Math.floor(t / 5) * 200,
      });
  });

  const roles = Object.fromEntries(
    Object.entries(ROLES).map(([name, permissions]) => [name, add('role', { name, permissions })]),
  );
  const taken = new Set<string>(options.adminPin ? [options.adminPin] : []);
  const pins: string[] = [];
  for (let i = 0; i < STAFF.length; i++) {
    const pin = i === 0 && options.adminPin ? options.adminPin : randomPin(6, taken);
    taken.add(pin);
    pins.push(pin);
  }
  const hashes = await Promise.all(pins.map((pin) => hashPin(pin, options.scryptN)));
  const staff: SeededEmployee[] = STAFF.map(([name, role], i) => ({
    id: add('employee', { name, roleId: roles[role] }, hashes[i]),
    name,
    role,
    pin: pins[i]!,
  }));

  // Exclusive: the happy-hour price is final, so the terrace surcharge does not come on top.
  add('price_rule', {
    name: 'Happy hour: 20% off beer & wine',
    kind: 'discount',
    amountType: 'percent',
    amount: 20,
    scope: { categoryIds: [categories['Beer & Wine']] },
    weekdays: [1, 2, 3, 4, 5],
    startTime: '17:00',
    endTime: '19:00',
    priority: 10,
    exclusive: true,
  });
  // Tag-scoped and stackable: every dish tagged "Chef's pick", whatever its section.
  add('price_rule', {
    name: "Chef's pick: 10% off",
    kind: 'discount',
    amountType: 'percent',
    amount: 10,
    scope: { tagIds: [tags.chef] },
    priority: 6,
  });
  // Tag-scoped, dated and exclusive: two weeks from the day the demo was set up.
  const today = Date.now();
  const timeZone = options.timeZone ?? 'UTC';
  add('price_rule', {
    name: 'Vegan fortnight: 25% off vegan dishes',
    kind: 'discount',
    amountType: 'percent',
    amount: 25,
    scope: { tagIds: [tags.vegan] },
    validFrom: venueDate(today, 0, timeZone),
    validUntil: venueDate(today, 13, timeZone),
    priority: 7,
    exclusive: true,
  });
  add('price_rule', {
    name: 'Terrace service +5%',
    kind: 'surcharge',
    amountType: 'percent',
    amount: 5,
    scope: { zoneIds: [zones.Terrace] },
    priority: 5,
  });
  add('price_rule', {
    name: 'Lunch deal: €2 off pizza & pasta',
    kind: 'discount',
    amountType: 'fixed',
    amount: 200,
    scope: { categoryIds: [categories.Pizza, categories.Pasta] },
    weekdays: [1, 2, 3, 4, 5],
    startTime: '12:00',
    endTime: '14:30',
    priority: 8,
  });
  add('price_rule', {
    name: 'Sunday tiramisu special',
    kind: 'discount',
    amountType: 'percent',
    amount: 15,
    scope: { productIds: [productIds[MENU.findIndex((m) => m.name === 'Desserts') * 12]] },
    weekdays: [7],
    active: false,
  });

  await storage.writeBatch(writes);
  return staff;
}

/** The PIN sheet printed once when the demo is created. */
export function formatStaffSheet(staff: SeededEmployee[]): string {
  const lines = staff.map((s) => `  ${s.name.padEnd(16)} ${s.role.padEnd(11)} PIN ${s.pin}`);
  return ['Demo restaurant created. Staff and PINs (shown only now):', ...lines, ''].join('\n');
}
