/**
 * The write arithmetic both storages share (server/storage/write-plan.ts), as pure
 * functions: what a create, update and delete store, answer and log. The storages'
 * suites (write-path, storage, integrity) check the same on real SQLite and PostgreSQL.
 */
import { describe, expect, test } from 'vitest';
import type { WriteRequest } from '../../server/storage/types';
import { planWrite, refuseDangling, refuseReferenced } from '../../server/storage/write-plan';
import { digestOf, EMPTY_DIGEST } from '../../src/shared/digest';
import type { Item } from '../../src/shared/resources';

const NOW = 1_700_000_000_000;
const table = (version: number, name: string) =>
  ({ id: 't1', version, name, zoneId: 'z1', seats: 4 }) as unknown as Item;

describe('planWrite', () => {
  test('a create: version + 1, digest of the new item, count + 1, 201 with the item, the change and the answer', () => {
    const req: WriteRequest = {
      action: 'create',
      resource: 'dining_table',
      id: 't1',
      actor: 'e1',
      fields: { name: 'T1', zoneId: 'z1', seats: 4 },
      idempotency: { key: 'k1', fingerprint: 'f1' },
    };
    const plan = planWrite(req, null, { version: 6, digest: EMPTY_DIGEST, count: 0 }, 10_000, NOW);
    const item = table(7, 'T1');
    expect(plan).toEqual({
      fields: { name: 'T1', zoneId: 'z1', seats: 4 },
      refs: [{ field: 'zoneId', target: 'zone', id: 'z1' }],
      state: { version: 7, digest: digestOf([item as never]), count: 1 },
      change: { resource: 'dining_table', version: 7, action: 'created', id: 't1', data: item },
      status: 201,
      body: item,
      pinHash: null,
      forgetCredentials: false,
      pruneThrough: null,
      answer: ['k1', 'e1', 'f1', 201, JSON.stringify(item), NOW],
    });
  });

  test('an update merges, keeps the count, and swaps the old item for the new one in the digest', () => {
    const old = table(7, 'T1');
    const req: WriteRequest = {
      action: 'update',
      resource: 'dining_table',
      id: 't1',
      actor: 'e1',
      merge: (current) => ({ ...current, name: 'Window' }),
    };
    const plan = planWrite(req, old, { version: 9, digest: digestOf([old as never]), count: 1 }, 10_000, NOW);
    const item = table(10, 'Window');
    expect(plan.state).toEqual({ version: 10, digest: digestOf([item as never]), count: 1 });
    expect(plan).toMatchObject({ status: 200, body: item, answer: null, change: { action: 'updated' } });
  });

  test("an employee's delete: count - 1, `{ id, version }`, its PIN and sessions go; old changes pruned", () => {
    const employee = { id: 'e9', version: 3, name: 'Ana', roleId: 'r1', active: true } as unknown as Item;
    const req: WriteRequest = { action: 'delete', resource: 'employee', id: 'e9', actor: 'e1' };
    const plan = planWrite(
      req,
      employee,
      { version: 12, digest: digestOf([employee as never]), count: 2 },
      5,
      NOW,
    );
    expect(plan).toMatchObject({
      fields: null,
      refs: [],
      state: { version: 13, digest: EMPTY_DIGEST, count: 1 },
      change: { resource: 'employee', version: 13, action: 'deleted', id: 'e9', data: null },
      status: 200,
      body: { id: 'e9', version: 13 },
      forgetCredentials: true,
      pinHash: null,
      pruneThrough: 8,
    });
  });

  test("a new PIN is stored with the employee's create", () => {
    const req: WriteRequest = {
      action: 'create',
      resource: 'employee',
      id: 'e2',
      actor: 'e1',
      fields: { name: 'Bo', roleId: 'r1', active: true },
      pinHash: 'scrypt$hash',
    };
    const plan = planWrite(req, null, { version: 0, digest: EMPTY_DIGEST, count: 0 }, 10_000, NOW);
    expect(plan).toMatchObject({ pinHash: 'scrypt$hash', forgetCredentials: false });
  });

  test('the stored item decides first: a create of an existing id is refused before anything is planned', () => {
    const req: WriteRequest = {
      action: 'create',
      resource: 'dining_table',
      id: 't1',
      actor: 'e1',
      fields: {},
    };
    expect(() =>
      planWrite(req, table(1, 'T1'), { version: 1, digest: EMPTY_DIGEST, count: 1 }, 10, NOW),
    ).toThrow(expect.objectContaining({ code: 'already_exists' }));
  });
});

describe('references', () => {
  const refs = [
    { field: 'zoneId', target: 'zone' as const, id: 'z1' },
    { field: 'zoneId', target: 'zone' as const, id: 'z404' },
  ];

  test('a missing target is 400 invalid_reference naming every dangling one', () => {
    expect(() => refuseDangling('dining_table', 't1', refs, (ref) => ref.id === 'z1')).toThrow(
      expect.objectContaining({
        code: 'invalid_reference',
        message: 'zoneId: no zone with id "z404"',
        details: [{ field: 'zoneId', resource: 'zone', id: 'z404' }],
      }),
    );
    expect(() => refuseDangling('dining_table', 't1', refs.slice(0, 1), () => true)).not.toThrow();
  });

  test('an item may not point at itself, whatever the storage holds', () => {
    const self = [{ field: 'parentId', target: 'category' as const, id: 'c1' }];
    expect(() => refuseDangling('category', 'c1', self, () => true)).toThrow(
      expect.objectContaining({ code: 'invalid_reference' }),
    );
  });

  test('a delete of an item others point at is 409 referenced, naming them', () => {
    const by = [{ resource: 'dining_table' as const, id: 't1', field: 'zoneId' }];
    expect(() => refuseReferenced('zone', 'z1', by)).toThrow(
      expect.objectContaining({
        code: 'referenced',
        message: 'zone "z1" is still referenced by 1 item(s)',
        details: by,
      }),
    );
    expect(() => refuseReferenced('zone', 'z1', [])).not.toThrow();
  });
});
