/**
 * Referential integrity both ways, If-Match preconditions, and Idempotency-Key retries.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ReferencedBy, Snapshot, SyncEvent } from '../../src/shared/protocol';
import type { Item } from '../../src/shared/resources';
import { type InProcessServer, STORAGE_KINDS, startInProcessServer } from '../helpers/server';
import { type Client, client, errorOf, status } from './support';

describe.each(STORAGE_KINDS)('on %s', (kind) => {
  let server: InProcessServer;
  let api: Client;
  let categoryId: string;
  let zoneId: string;

  beforeAll(async () => {
    server = await startInProcessServer({ storage: kind });
    api = client(server.url, await server.login());
    categoryId = ((await api.get<Snapshot>('/api/categories')).body.items[0] as Item).id;
    zoneId = ((await api.get<Snapshot>('/api/zones')).body.items[0] as Item).id;
  });
  afterAll(() => server.stop());

  const dish = (extra: Record<string, unknown> = {}) => ({
    name: 'Test dish',
    categoryId,
    priceCents: 900,
    ...extra,
  });

  describe('references must point at existing items', () => {
    test('a dangling single reference is 400 invalid_reference naming field and id', async () => {
      const before = await status(server.url);
      const res = await api.post('/api/products', dish({ categoryId: 'no-such-category' }));
      expect(res.status).toBe(400);
      expect(errorOf(res)).toEqual({
        code: 'invalid_reference',
        message: 'categoryId: no category with id "no-such-category"',
        details: [{ field: 'categoryId', resource: 'category', id: 'no-such-category' }],
      });
      expect(await status(server.url)).toEqual(before);
    });

    test('every dangling id in a list is named', async () => {
      const res = await api.post('/api/price-rules', {
        name: 'Bad scope',
        kind: 'discount',
        amountType: 'fixed',
        amount: 100,
        scope: { zoneIds: [zoneId, 'ghost-zone'], productIds: ['ghost-product'] },
      });
      expect(res.status).toBe(400);
      expect(errorOf(res).details).toEqual([
        { field: 'scope.productIds', resource: 'product', id: 'ghost-product' },
        { field: 'scope.zoneIds', resource: 'zone', id: 'ghost-zone' },
      ]);
    });

    test('a PATCH cannot introduce a dangling reference', async () => {
      const item = (await api.post<Item<'product'>>('/api/products', dish())).body;
      const before = await status(server.url);
      const res = await api.patch(`/api/products/${item.id}`, { tagIds: ['ghost-tag'] });
      expect(res.status).toBe(400);
      expect(errorOf(res).details).toEqual([{ field: 'tagIds', resource: 'tag', id: 'ghost-tag' }]);
      expect(await status(server.url)).toEqual(before);
      expect((await api.get(`/api/products/${item.id}`)).body).toEqual(item);
    });

    test('a category cannot be its own parent', async () => {
      const res = await api.patch(`/api/categories/${categoryId}`, { parentId: categoryId });
      expect(res.status).toBe(400);
      expect(errorOf(res).code).toBe('invalid_reference');
    });

    test('deleting a referenced item is 409 referenced, listing who references it', async () => {
      const zone = (await api.post<Item<'zone'>>('/api/zones', { name: 'Garden' })).body;
      const table = (
        await api.post<Item<'dining_table'>>('/api/dining-tables', {
          name: 'G1',
          zoneId: zone.id,
          seats: 2,
          x: 1,
          y: 1,
        })
      ).body;
      const rule = (
        await api.post<Item<'price_rule'>>('/api/price-rules', {
          name: 'Garden surcharge',
          kind: 'surcharge',
          amountType: 'fixed',
          amount: 100,
          scope: { zoneIds: [zone.id] },
        })
      ).body;
      const before = await status(server.url);
      const res = await api.del(`/api/zones/${zone.id}`);
      expect(res.status).toBe(409);
      const expected: ReferencedBy[] = [
        { resource: 'dining_table', id: table.id, field: 'zoneId' },
        { resource: 'price_rule', id: rule.id, field: 'scope.zoneIds' },
      ];
      expect(errorOf(res)).toEqual({
        code: 'referenced',
        message: `zone "${zone.id}" is still referenced by 2 item(s)`,
        details: expected,
      });
      expect(await status(server.url)).toEqual(before);

      // Once nothing points at it any more, the delete goes through.
      await api.del(`/api/dining-tables/${table.id}`);
      await api.patch(`/api/price-rules/${rule.id}`, { scope: { zoneIds: [] } });
      expect((await api.del(`/api/zones/${zone.id}`)).status).toBe(200);
    });

    test('a role in use by an employee cannot be deleted', async () => {
      const role = (await api.post<Item<'role'>>('/api/roles', { name: 'Host', permissions: [] })).body;
      const person = (await api.post<Item<'employee'>>('/api/employees', { name: 'Hana', roleId: role.id }))
        .body;
      const res = await api.del(`/api/roles/${role.id}`);
      expect(res.status).toBe(409);
      expect(errorOf(res).details).toEqual([{ resource: 'employee', id: person.id, field: 'roleId' }]);
    });
  });

  describe('If-Match', () => {
    test('a PATCH with the current version goes through; a stale one is 412 with the current version', async () => {
      const item = (await api.post<Item<'product'>>('/api/products', dish())).body;
      const ok = await api.patch<Item>(
        `/api/products/${item.id}`,
        { priceCents: 950 },
        { headers: { 'if-match': `"${item.version}"` } },
      );
      expect(ok.status).toBe(200);
      const before = await status(server.url);
      const stale = await api.patch(
        `/api/products/${item.id}`,
        { priceCents: 990 },
        { headers: { 'if-match': String(item.version) } },
      );
      expect(stale.status).toBe(412);
      expect(errorOf(stale)).toEqual({
        code: 'precondition_failed',
        message: `product "${item.id}" changed since version ${item.version}`,
        details: { currentVersion: ok.body.version },
      });
      expect(await status(server.url)).toEqual(before);
      expect((await api.get<Item<'product'>>(`/api/products/${item.id}`)).body.priceCents).toBe(950);
    });

    test('a DELETE honours If-Match too', async () => {
      const item = (await api.post<Item<'product'>>('/api/products', dish())).body;
      const stale = await api.del(`/api/products/${item.id}`, {
        headers: { 'if-match': String(item.version - 1) },
      });
      expect(stale.status).toBe(412);
      expect(
        (await api.del(`/api/products/${item.id}`, { headers: { 'if-match': `W/"${item.version}"` } }))
          .status,
      ).toBe(200);
    });
  });

  describe('Idempotency-Key', () => {
    test('a retried create returns the first answer and raises the version once', async () => {
      const before = await status(server.url);
      const headers = { 'idempotency-key': 'create-soup-1' };
      const first = await api.post<Item>('/api/products', dish({ name: 'Soup' }), { headers });
      const retry = await api.post<Item>('/api/products', dish({ name: 'Soup' }), { headers });
      expect(first.status).toBe(201);
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(first.body);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      const after = await status(server.url);
      expect(after.versions.product).toBe(before.versions.product + 1);
      expect(after.counts.product).toBe(before.counts.product + 1);
    });

    test('concurrent retries of one key still apply once', async () => {
      const before = await status(server.url);
      const headers = { 'idempotency-key': 'create-stew-parallel' };
      const answers = await Promise.all(
        Array.from({ length: 10 }, () =>
          api.post<Item>('/api/products', dish({ name: 'Stew' }), { headers }),
        ),
      );
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      expect((await status(server.url)).versions.product).toBe(before.versions.product + 1);
    });

    test('a retried delete answers the same, not 404', async () => {
      const item = (await api.post<Item>('/api/products', dish())).body;
      const headers = { 'idempotency-key': `delete-${item.id}` };
      const first = await api.del(`/api/products/${item.id}`, { headers });
      const retry = await api.del(`/api/products/${item.id}`, { headers });
      expect(retry.status).toBe(200);
      expect(retry.body).toEqual(first.body);
    });

    test('the same key for a different request is 409 idempotency_key_reused', async () => {
      const headers = { 'idempotency-key': 'reuse-me' };
      await api.post('/api/products', dish({ name: 'One' }), { headers });
      const before = await status(server.url);
      const res = await api.post('/api/products', dish({ name: 'Two' }), { headers });
      expect(res.status).toBe(409);
      expect(errorOf(res)).toEqual({
        code: 'idempotency_key_reused',
        message: 'this Idempotency-Key was already used for a different request',
        details: null,
      });
      expect(await status(server.url)).toEqual(before);
    });

    test('errors are not stored: a retry after fixing the cause goes through', async () => {
      const headers = { 'idempotency-key': 'fix-then-retry' };
      const zone = (await api.post<Item>('/api/zones', { name: 'Patio' })).body;
      const table = (
        await api.post<Item>('/api/dining-tables', { name: 'Q1', zoneId: zone.id, seats: 2, x: 0, y: 0 })
      ).body;
      expect((await api.del(`/api/zones/${zone.id}`, { headers })).status).toBe(409);
      await api.del(`/api/dining-tables/${table.id}`);
      expect((await api.del(`/api/zones/${zone.id}`, { headers })).status).toBe(200);
    });

    test('keys are per employee: another employee may use the same key', async () => {
      const lead = server.staff.find((s) => s.role === 'Shift lead')!;
      const other = client(server.url, await server.login(lead.pin));
      const headers = { 'idempotency-key': 'shared-key' };
      const mine = await api.post<Item>('/api/products', dish({ name: 'Mine' }), { headers });
      const theirs = await other.post<Item>('/api/products', dish({ name: 'Theirs' }), { headers });
      expect(theirs.status).toBe(201);
      expect(theirs.body.id).not.toBe(mine.body.id);
    });

    test('a replayed answer emits no second change in the log', async () => {
      const headers = { 'idempotency-key': 'log-once' };
      const first = await api.post<Item>('/api/products', dish({ name: 'Logged once' }), { headers });
      await api.post('/api/products', dish({ name: 'Logged once' }), { headers });
      const since = first.body.version - 1;
      const log = await api.get<{ changes: SyncEvent[] }>(
        `/api/sync/changes?resource=product&since=${since}`,
      );
      expect(log.body.changes.map((c) => c.id)).toEqual([first.body.id]);
    });
  });
});
