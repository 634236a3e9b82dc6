/**
 * GET /api/sync/changes: the persisted change log per type, its retention, and the
 * answers for a client that is too far behind, ahead, or from another epoch.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ChangesResponse, Snapshot } from '../../src/shared/protocol';
import type { Item } from '../../src/shared/resources';
import { type InProcessServer, STORAGE_KINDS, startInProcessServer } from '../helpers/server';
import { type Client, client, errorOf, status } from './support';

describe.each(STORAGE_KINDS)('on %s', (kind) => {
  const RETENTION = 5;
  let server: InProcessServer;
  let api: Client;
  let categoryId: string;

  beforeAll(async () => {
    // The seed writes 120 products, so with a retention of 5 the product log starts at 116.
    server = await startInProcessServer({ storage: kind, config: { logRetention: RETENTION } });
    api = client(server.url, await server.login());
    categoryId = ((await api.get<Snapshot>('/api/categories')).body.items[0] as Item).id;
  });
  afterAll(() => server.stop());

  const changes = (query: string) => api.get<ChangesResponse>(`/api/sync/changes?${query}`);

  describe('the change log', () => {
    test('lists every change after `since` in order: created, updated, deleted', async () => {
      const v0 = (await status(server.url)).versions.zone;
      const zone = (await api.post<Item<'zone'>>('/api/zones', { name: 'Lounge' })).body;
      const renamed = (await api.patch<Item<'zone'>>(`/api/zones/${zone.id}`, { name: 'Lounge bar' })).body;
      await api.del(`/api/zones/${zone.id}`);
      const res = await changes(`resource=zone&since=${v0}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        epoch: server.epoch,
        resource: 'zone',
        version: v0 + 3,
        changes: [
          {
            epoch: server.epoch,
            resource: 'zone',
            action: 'created',
            id: zone.id,
            version: v0 + 1,
            data: zone,
          },
          {
            epoch: server.epoch,
            resource: 'zone',
            action: 'updated',
            id: zone.id,
            version: v0 + 2,
            data: renamed,
          },
          {
            epoch: server.epoch,
            resource: 'zone',
            action: 'deleted',
            id: zone.id,
            version: v0 + 3,
            data: null,
          },
        ],
      });
    });

    test('since = the current version is an empty list', async () => {
      const v = (await status(server.url)).versions.tag;
      expect((await changes(`resource=tag&since=${v}`)).body).toEqual({
        epoch: server.epoch,
        resource: 'tag',
        version: v,
        changes: [],
      });
    });

    test('the same epoch may be named; another epoch is 409 epoch_mismatch', async () => {
      expect((await changes(`resource=tag&since=8&epoch=${server.epoch}`)).status).toBe(200);
      const res = await changes('resource=tag&since=8&epoch=5d0c3c39-0000-4000-8000-000000000000');
      expect(res.status).toBe(409);
      expect(errorOf(res)).toEqual({
        code: 'epoch_mismatch',
        message: 'versions from another epoch are not comparable; re-verify',
        details: { epoch: server.epoch },
      });
    });

    test('since beyond the current version is 409 version_ahead', async () => {
      const v = (await status(server.url)).versions.role;
      const res = await changes(`resource=role&since=${v + 1}`);
      expect(res.status).toBe(409);
      expect(errorOf(res)).toEqual({
        code: 'version_ahead',
        message: `role is only at version ${v}`,
        details: { version: v },
      });
    });
  });

  describe('retention', () => {
    test('at least the last N changes per type are kept; older ones are 410 too_old', async () => {
      const v = (await status(server.url)).versions.product;
      const kept = await changes(`resource=product&since=${v - RETENTION}`);
      expect(kept.status).toBe(200);
      expect(kept.body.changes.map((c) => c.version)).toEqual([v - 4, v - 3, v - 2, v - 1, v]);

      const res = await changes(`resource=product&since=${v - RETENTION - 1}`);
      expect(res.status).toBe(410);
      expect(errorOf(res)).toEqual({
        code: 'too_old',
        message: `changes of product up to version ${v - RETENTION} are no longer kept`,
        details: { prunedThrough: v - RETENTION, version: v },
      });
    });

    test('the window moves with every write, per type', async () => {
      const before = await status(server.url);
      for (let i = 0; i < 3; i++)
        await api.post('/api/products', { name: `Dish ${i}`, categoryId, priceCents: 100 });
      const v = before.versions.product + 3;
      expect((await changes(`resource=product&since=${v - RETENTION - 1}`)).status).toBe(410);
      expect((await changes(`resource=product&since=${v - RETENTION}`)).body.changes).toHaveLength(RETENTION);
      // Other types keep their own history untouched.
      expect((await changes('resource=print_destination&since=0')).body.changes).toHaveLength(3);
    });
  });

  describe('bad queries', () => {
    test.each([
      ['since=0', 400, 'invalid_query', 'resource is required'],
      ['resource=product', 400, 'invalid_query', 'since must be a non-negative integer'],
      ['resource=product&since=-1', 400, 'invalid_query', 'since must be a non-negative integer'],
      ['resource=product&since=1.5', 400, 'invalid_query', 'since must be a non-negative integer'],
      ['resource=product&since=abc', 400, 'invalid_query', 'since must be a non-negative integer'],
      ['resource=product&resource=tag&since=0', 400, 'invalid_query', 'give resource once'],
      ['resource=widget&since=0', 404, 'unknown_resource', 'no resource type "widget"'],
      ['resource=products&since=0', 404, 'unknown_resource', 'no resource type "products"'],
    ])('?%s is %i %s', async (query, code, errorCode, message) => {
      const res = await changes(query);
      expect(res.status).toBe(code);
      expect(errorOf(res)).toMatchObject({ code: errorCode, message });
    });
  });
});
