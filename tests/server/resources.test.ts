/**
 * Every collection of the contract's API table, for all ten types, through one generic
 * loop: list snapshot, get, create, PATCH, delete, and their 404s.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { digestOf, EMPTY_DIGEST } from '../../src/shared/digest';
import type { DeleteResponse, Snapshot, SyncStatus } from '../../src/shared/protocol';
import { type Item, RESOURCE_NAMES, RESOURCES } from '../../src/shared/resources';
import { type InProcessServer, STORAGE_KINDS, startInProcessServer } from '../helpers/server';
import { type Client, client, errorOf, type Refs, sampleBody, samplePatch, status } from './support';

describe.each(STORAGE_KINDS)('on %s', (kind) => {
  let server: InProcessServer;
  let api: Client;
  let refs: Refs;

  beforeAll(async () => {
    server = await startInProcessServer({ storage: kind });
    api = client(server.url, await server.login());
    const first = async (path: string) => ((await api.get<Snapshot>(path)).body.items[0] as Item).id;
    refs = {
      categoryId: await first('/api/categories'),
      zoneId: await first('/api/zones'),
      roleId: await first('/api/roles'),
    };
  });
  afterAll(() => server.stop());

  describe('GET /api/health and /api/sync/status', () => {
    test('health answers ok with the process epoch, without signing in', async () => {
      const res = await client(server.url).get('/api/health');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ok: true, epoch: server.epoch });
    });

    test('status lists all ten types with versions, digests and counts, without signing in', async () => {
      const res = await client(server.url).get<SyncStatus>('/api/sync/status');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.body.epoch).toBe(server.epoch);
      for (const key of ['versions', 'digests', 'counts'] as const)
        expect(Object.keys(res.body[key]).sort()).toEqual([...RESOURCE_NAMES].sort());
      for (const r of RESOURCE_NAMES) expect(res.body.digests[r]).toMatch(/^[0-9a-f]{16}$/);
    });

    test('the demo seed is a believable restaurant, each item created once', async () => {
      const { versions, counts } = await status(server.url);
      expect(counts).toEqual({
        product: 120,
        category: 10,
        tag: 8,
        attribute: 4,
        zone: 3,
        dining_table: 30,
        employee: 8,
        role: 3,
        price_rule: 6,
        print_destination: 3,
      });
      expect(versions).toEqual(counts);
    });
  });

  describe.each(RESOURCE_NAMES)('%s collection', (resource) => {
    const { collection } = RESOURCES[resource];

    test('the list is one snapshot whose digest is the digest of its items', async () => {
      const before = await status(server.url);
      const res = await api.get<Snapshot>(collection);
      expect(res.status).toBe(200);
      expect(res.body.epoch).toBe(server.epoch);
      expect(res.body.version).toBe(before.versions[resource]);
      expect(res.body.digest).toBe(before.digests[resource]);
      expect(res.body.items).toHaveLength(before.counts[resource]);
      expect(digestOf(res.body.items)).toBe(res.body.digest);
    });

    test('create, get, patch and delete each raise the version by one and keep the digest exact', async () => {
      const before = await status(server.url);
      const v0 = before.versions[resource];

      const created = await api.post<Item>(collection, sampleBody(resource, refs));
      expect(created.status).toBe(201);
      const item = created.body;
      expect(item.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(item.version).toBe(v0 + 1);
      expect(item).toMatchObject(sampleBody(resource, refs));

      const got = await api.get<Item>(`${collection}/${item.id}`);
      expect(got.status).toBe(200);
      expect(got.body).toEqual(item);
      expect(got.headers.get('etag')).toBe(`"${v0 + 1}"`);

      const patched = await api.patch<Item>(`${collection}/${item.id}`, samplePatch(resource));
      expect(patched.status).toBe(200);
      expect(patched.body).toEqual({ ...item, ...samplePatch(resource), version: v0 + 2 });

      const mid = await status(server.url);
      expect(mid.versions[resource]).toBe(v0 + 2);
      expect(mid.counts[resource]).toBe(before.counts[resource] + 1);
      expect(mid.digests[resource]).not.toBe(before.digests[resource]);
      expect(mid.digests[resource]).toBe(digestOf((await api.get<Snapshot>(collection)).body.items));

      const deleted = await api.del<DeleteResponse>(`${collection}/${item.id}`);
      expect(deleted.status).toBe(200);
      expect(deleted.body).toEqual({ id: item.id, version: v0 + 3 });

      const after = await status(server.url);
      expect(after.versions[resource]).toBe(v0 + 3);
      expect(after.counts[resource]).toBe(before.counts[resource]);
      // Same data again: same digest, whatever the version says.
      expect(after.digests[resource]).toBe(before.digests[resource]);
    });

    test('a client-chosen id is kept; choosing it again is 409 already_exists', async () => {
      const id = `chosen-${resource}`;
      const first = await api.post<Item>(collection, { ...sampleBody(resource, refs, 7), id });
      expect(first.status).toBe(201);
      expect(first.body.id).toBe(id);
      const before = await status(server.url);
      const again = await api.post(collection, { ...sampleBody(resource, refs, 8), id });
      expect(again.status).toBe(409);
      expect(errorOf(again)).toEqual({
        code: 'already_exists',
        message: `${resource} "${id}" already exists`,
        details: { resource, id },
      });
      expect(await status(server.url)).toEqual(before);
      await api.del(`${collection}/${id}`);
    });

    test('unknown ids are 404 not_found for get, patch and delete, and change nothing', async () => {
      const before = await status(server.url);
      const expected = {
        code: 'not_found',
        message: `no ${resource} with id "missing-1"`,
        details: { resource, id: 'missing-1' },
      };
      for (const res of [
        await api.get(`${collection}/missing-1`),
        await api.patch(`${collection}/missing-1`, samplePatch(resource)),
        await api.del(`${collection}/missing-1`),
      ]) {
        expect(res.status).toBe(404);
        expect(errorOf(res)).toEqual(expected);
      }
      expect(await status(server.url)).toEqual(before);
    });
  });

  describe('unknown paths', () => {
    test('an unknown collection under /api is 404 unknown_resource', async () => {
      const res = await api.get('/api/widgets');
      expect(res.status).toBe(404);
      expect(errorOf(res)).toEqual({
        code: 'unknown_resource',
        message: 'no resource at /api/widgets',
        details: { path: '/api/widgets' },
      });
      const post = await api.post('/api/widgets', { name: 'x' });
      expect(post.status).toBe(404);
      expect(errorOf(post).code).toBe('unknown_resource');
    });

    test('an unsupported method on a known collection is 404 not_found', async () => {
      const res = await api.call('PUT', '/api/products', { body: {} });
      expect(res.status).toBe(404);
      expect(errorOf(res)).toEqual({
        code: 'not_found',
        message: 'no route PUT /api/products',
        details: null,
      });
    });

    test('an empty type lists as version 0 with the empty digest', async () => {
      const fresh = await startInProcessServer({ storage: kind, seed: false });
      try {
        await expect(status(fresh.url)).resolves.toMatchObject({
          versions: { product: 0 },
          digests: { product: EMPTY_DIGEST },
          counts: { product: 0 },
        });
      } finally {
        await fresh.stop();
      }
    });
  });

  describe('unexpected failures', () => {
    test('a storage failure is 500 internal_error that leaks nothing, and the server stays up', async () => {
      const broken = await startInProcessServer({ storage: kind });
      try {
        const api = client(broken.url, await broken.login());
        broken.storage.list = async () => {
          throw new Error('SQLITE_CORRUPT at /secret/path');
        };
        const res = await api.get('/api/zones');
        expect(res.status).toBe(500);
        expect(res.body).toEqual({
          error: { code: 'internal_error', message: 'internal error', details: null },
        });
        expect((await api.get('/api/health')).status).toBe(200);
        expect((await api.get<Item>(`/api/zones/${refs.zoneId}`)).status).toBe(404);
      } finally {
        await broken.stop();
      }
    });
  });
});
