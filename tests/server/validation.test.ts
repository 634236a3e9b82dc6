/**
 * Bad input of every kind is a clear 4xx in the contract's error shape; the server stays
 * up, nothing is half-applied and no version is raised.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Snapshot, SyncStatus } from '../../src/shared/protocol';
import type { Item } from '../../src/shared/resources';
import { type InProcessServer, STORAGE_KINDS, startInProcessServer } from '../helpers/server';
import { type Client, client, errorOf, status } from './support';

describe.each(STORAGE_KINDS)('on %s', (kind) => {
  let server: InProcessServer;
  let api: Client;
  let categoryId: string;
  let product: Item<'product'>;
  let before: SyncStatus;

  beforeAll(async () => {
    server = await startInProcessServer({ storage: kind, config: { bodyLimit: 64 * 1024 } });
    api = client(server.url, await server.login());
    categoryId = ((await api.get<Snapshot>('/api/categories')).body.items[0] as Item).id;
    product = (await api.get<Snapshot<'product'>>('/api/products')).body.items[0]!;
  });
  afterAll(() => server.stop());

  /** Every test here must leave the data exactly as it found it, and the server up. */
  beforeEach(async () => {
    before = await status(server.url);
  });
  afterEach(async () => {
    expect((await client(server.url).get('/api/health')).status).toBe(200);
    expect(await status(server.url)).toEqual(before);
  });

  const valid = () => ({ name: 'Soup', categoryId, priceCents: 500 });

  describe('bodies that are not JSON objects', () => {
    test('malformed JSON is 400 invalid_json', async () => {
      const res = await api.post('/api/products', undefined, {
        raw: '{"name": "Soup", ',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: { code: 'invalid_json', message: 'the body is not valid JSON', details: null },
      });
    });

    test('an empty JSON body is 400 invalid_json', async () => {
      const res = await api.post('/api/products', undefined, {
        raw: '',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(errorOf(res).code).toBe('invalid_json');
    });

    test('a write with no body at all is 400 invalid_json', async () => {
      const res = await api.post('/api/products');
      expect(res.status).toBe(400);
      expect(errorOf(res)).toEqual({
        code: 'invalid_json',
        message: 'the request needs a JSON object body (Content-Type: application/json)',
        details: null,
      });
    });

    test.each([['[1,2]'], ['"text"'], ['42'], ['null']])(
      'a JSON %s instead of an object is 400',
      async (raw) => {
        const res = await api.post('/api/products', undefined, {
          raw,
          headers: { 'content-type': 'application/json' },
        });
        expect(res.status).toBe(400);
        expect(errorOf(res)).toEqual({
          code: 'validation_failed',
          message: 'the body must be a JSON object',
          details: [{ path: '', code: 'invalid_type', message: 'expected a JSON object' }],
        });
      },
    );

    test.each([
      ['text/plain', 'name=Soup'],
      ['application/x-www-form-urlencoded', 'name=Soup'],
      ['application/xml', '<name>Soup</name>'],
    ])('Content-Type %s is 415 unsupported_media_type', async (type, raw) => {
      const res = await api.post('/api/products', undefined, { raw, headers: { 'content-type': type } });
      expect(res.status).toBe(415);
      expect(res.body).toEqual({
        error: {
          code: 'unsupported_media_type',
          message: 'send JSON with Content-Type: application/json',
          details: null,
        },
      });
    });

    test('a body over the limit is 413 body_too_large', async () => {
      const res = await api.post('/api/products', { ...valid(), description: 'x'.repeat(100 * 1024) });
      expect(res.status).toBe(413);
      expect(res.body).toEqual({
        error: { code: 'body_too_large', message: 'the body is too large', details: null },
      });
    });

    test('a __proto__ key (prototype poisoning) is 400 invalid_json', async () => {
      const raw = `{"name":"Soup","categoryId":"${categoryId}","priceCents":500,"__proto__":{"admin":true}}`;
      const res = await api.post('/api/products', undefined, {
        raw,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(errorOf(res).code).toBe('invalid_json');
    });
  });

  describe('fields that break the schema', () => {
    test('a wrong type is 400 validation_failed naming the field', async () => {
      const res = await api.post('/api/products', { ...valid(), priceCents: '5.00' });
      expect(res.status).toBe(400);
      expect(errorOf(res)).toEqual({
        code: 'validation_failed',
        message: 'priceCents: Invalid input: expected number, received string',
        details: [
          {
            path: 'priceCents',
            code: 'invalid_type',
            message: 'Invalid input: expected number, received string',
          },
        ],
      });
    });

    test('money must be whole cents', async () => {
      const res = await api.post('/api/products', { ...valid(), priceCents: 4.5 });
      expect(res.status).toBe(400);
      expect(errorOf(res).details).toEqual([expect.objectContaining({ path: 'priceCents' })]);
    });

    test('a missing required field is named', async () => {
      const { categoryId: _c, ...rest } = valid();
      const res = await api.post('/api/products', rest);
      expect(res.status).toBe(400);
      expect(errorOf(res).details).toEqual([
        expect.objectContaining({ path: 'categoryId', code: 'invalid_type' }),
      ]);
    });

    test('unknown fields are refused on create, each named', async () => {
      const res = await api.post('/api/products', { ...valid(), colour: 'red', isAdmin: true });
      expect(res.status).toBe(400);
      expect(errorOf(res)).toEqual({
        code: 'validation_failed',
        message: 'colour: unknown field',
        details: [
          { path: 'colour', code: 'unrecognized_keys', message: 'unknown field' },
          { path: 'isAdmin', code: 'unrecognized_keys', message: 'unknown field' },
        ],
      });
    });

    test('unknown fields are refused on PATCH', async () => {
      const res = await api.patch(`/api/products/${product.id}`, { price: 100 });
      expect(res.status).toBe(400);
      expect(errorOf(res)).toEqual({
        code: 'validation_failed',
        message: 'price: unknown field',
        details: [{ path: 'price', code: 'unrecognized_keys', message: 'unknown field' }],
      });
    });

    test('a PATCH with a wrong type names the field', async () => {
      const res = await api.patch(`/api/products/${product.id}`, { active: 'yes' });
      expect(res.status).toBe(400);
      expect(errorOf(res).details).toEqual([
        expect.objectContaining({ path: 'active', code: 'invalid_type' }),
      ]);
    });

    test('a PATCH whose merged result breaks a cross-field rule is refused', async () => {
      const rule = (await api.get<Snapshot<'price_rule'>>('/api/price-rules')).body.items.find(
        (r) => r.amountType === 'percent',
      )!;
      const res = await api.patch(`/api/price-rules/${rule.id}`, { amount: 150 });
      expect(res.status).toBe(400);
      expect(errorOf(res).details).toEqual([
        { path: 'amount', code: 'custom', message: 'a percent amount must be 1-100' },
      ]);
    });

    test('nested fields are named by their dotted path', async () => {
      const res = await api.post('/api/attributes', {
        name: 'Sauce',
        options: [{ id: 'a', name: 'Mayo', priceDeltaCents: 'free' }],
      });
      expect(res.status).toBe(400);
      expect(errorOf(res).details).toEqual([expect.objectContaining({ path: 'options.0.priceDeltaCents' })]);
    });

    test('a version in the body is refused: versions belong to the server', async () => {
      const res = await api.patch(`/api/products/${product.id}`, { name: 'X', version: 999 });
      expect(res.status).toBe(400);
      expect(errorOf(res).details).toEqual([
        {
          path: 'version',
          code: 'custom',
          message: 'versions are set by the server; send If-Match to check one',
        },
      ]);
    });

    test('a PATCH body id must match the path', async () => {
      const res = await api.patch(`/api/products/${product.id}`, { id: 'other', name: 'X' });
      expect(res.status).toBe(400);
      expect(errorOf(res).details).toEqual([
        { path: 'id', code: 'custom', message: 'must equal the id in the path' },
      ]);
    });

    test('a PIN is only accepted on employees', async () => {
      const res = await api.post('/api/products', { ...valid(), pin: '4321' });
      expect(res.status).toBe(400);
      expect(errorOf(res).details).toEqual([
        { path: 'pin', code: 'unrecognized_keys', message: 'unknown field' },
      ]);
    });
  });

  describe('injection-looking input', () => {
    const nasty = "'; DROP TABLE items;--";

    test('as a name it is stored verbatim and harmless', async () => {
      const created = await api.post<Item<'product'>>('/api/products', { ...valid(), name: nasty });
      expect(created.status).toBe(201);
      expect(created.body.name).toBe(nasty);
      expect((await api.get<Item<'product'>>(`/api/products/${created.body.id}`)).body.name).toBe(nasty);
      expect((await api.get<Snapshot>('/api/products')).body.items).toHaveLength(before.counts.product + 1);
      await api.del(`/api/products/${created.body.id}`);
      // Put `before` where it now is, so the after-check covers only what follows.
      before = await status(server.url);
    });

    test('as an id in the path it is 400 validation_failed', async () => {
      for (const res of [
        await api.get(`/api/products/${encodeURIComponent(nasty)}`),
        await api.patch(`/api/products/${encodeURIComponent(nasty)}`, { name: 'X' }),
        await api.del(`/api/products/${encodeURIComponent(nasty)}`),
      ]) {
        expect(res.status).toBe(400);
        expect(errorOf(res)).toMatchObject({
          code: 'validation_failed',
          details: [expect.objectContaining({ path: 'id' })],
        });
      }
    });

    test('as a chosen id in the body it is 400 validation_failed', async () => {
      const res = await api.post('/api/products', { ...valid(), id: nasty });
      expect(res.status).toBe(400);
      expect(errorOf(res).details).toEqual([expect.objectContaining({ path: 'id', code: 'invalid_format' })]);
    });

    test('an overlong id is 400, not a crash', async () => {
      const res = await api.get(`/api/products/${'a'.repeat(300)}`);
      expect(res.status).toBe(400);
      expect(errorOf(res).code).toBe('validation_failed');
    });

    test('SQL in a query parameter is refused as an unknown resource', async () => {
      const res = await api.get(`/api/sync/changes?resource=${encodeURIComponent(nasty)}&since=0`);
      expect(res.status).toBe(404);
      expect(errorOf(res).code).toBe('unknown_resource');
    });
  });

  describe('malformed headers', () => {
    test('a malformed If-Match is 400 invalid_header', async () => {
      const res = await api.patch(
        `/api/products/${product.id}`,
        { name: 'X' },
        { headers: { 'if-match': 'banana' } },
      );
      expect(res.status).toBe(400);
      expect(errorOf(res)).toEqual({
        code: 'invalid_header',
        message: 'If-Match must be an item version, e.g. If-Match: 7',
        details: { header: 'if-match' },
      });
    });

    test('an overlong Idempotency-Key is 400 invalid_header', async () => {
      const res = await api.post('/api/products', valid(), {
        headers: { 'idempotency-key': 'k'.repeat(201) },
      });
      expect(res.status).toBe(400);
      expect(errorOf(res).code).toBe('invalid_header');
    });
  });
});
