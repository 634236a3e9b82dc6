/**
 * Price rules at parity with the seed's system: exclusive rules, tag scopes and validity
 * dates are stored and referenced like every other field; a backwards date range, an
 * empty time window and repeated weekdays are refused naming the field; and
 * `GET /api/price-preview` prices with the shared function on the server's data.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { priceOf } from '../../src/shared/pricing';
import type { Snapshot, SyncStatus } from '../../src/shared/protocol';
import type { Item } from '../../src/shared/resources';
import type { PricePreview } from '../../src/shared/venue';
import { type InProcessServer, STORAGE_KINDS, startInProcessServer } from '../helpers/server';
import { type Client, client, errorOf, status } from './support';

const VENUE = { timeZone: 'America/New_York', currency: 'USD' };

describe.each(STORAGE_KINDS)('on %s', (kind) => {
  let server: InProcessServer;
  let api: Client;
  let category: Item<'category'>;
  let vegan: Item<'tag'>;
  let product: Item<'product'>;
  let zone: Item<'zone'>;

  beforeAll(async () => {
    server = await startInProcessServer({ storage: kind, config: { venue: VENUE } });
    api = client(server.url, await server.login());
    category = (await api.post<Item<'category'>>('/api/categories', { name: 'Bowls' })).body;
    vegan = (await api.post<Item<'tag'>>('/api/tags', { name: 'Plant-based', color: '#2e9d5b' })).body;
    zone = (await api.post<Item<'zone'>>('/api/zones', { name: 'Patio' })).body;
    product = (
      await api.post<Item<'product'>>('/api/products', {
        name: 'Green bowl',
        categoryId: category.id,
        priceCents: 1000,
        tagIds: [vegan.id],
      })
    ).body;
  });
  afterAll(() => server.stop());

  const rule = (fields: Record<string, unknown>) => ({
    name: 'Rule',
    kind: 'discount',
    amountType: 'percent',
    amount: 10,
    scope: { categoryIds: [category.id] },
    ...fields,
  });

  describe('the new fields', () => {
    test('exclusive, a tag scope and validity dates are stored as sent', async () => {
      const res = await api.post<Item<'price_rule'>>(
        '/api/price-rules',
        rule({
          scope: { tagIds: [vegan.id] },
          exclusive: true,
          validFrom: '2024-05-01',
          validUntil: '2024-05-31',
        }),
      );
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        exclusive: true,
        validFrom: '2024-05-01',
        validUntil: '2024-05-31',
        scope: { productIds: [], categoryIds: [], tagIds: [vegan.id], zoneIds: [] },
      });
      expect((await api.del(`/api/price-rules/${res.body.id}`)).status).toBe(200);
    });

    test('a rule sent without them is stackable, open-ended and scoped by no tag', async () => {
      const res = await api.post<Item<'price_rule'>>('/api/price-rules', rule({}));
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ exclusive: false, validFrom: null, validUntil: null });
      expect(res.body.scope.tagIds).toEqual([]);
      expect((await api.del(`/api/price-rules/${res.body.id}`)).status).toBe(200);
    });

    test('a one-day range (validFrom = validUntil) is accepted', async () => {
      const res = await api.post<Item<'price_rule'>>(
        '/api/price-rules',
        rule({ validFrom: '2024-02-29', validUntil: '2024-02-29' }),
      );
      expect(res.status).toBe(201);
      expect((await api.del(`/api/price-rules/${res.body.id}`)).status).toBe(200);
    });

    test('a tag a rule is scoped by cannot be deleted: 409 naming the rule and the field', async () => {
      const tag = (await api.post<Item<'tag'>>('/api/tags', { name: 'Seasonal', color: '#e4572e' })).body;
      const scoped = (
        await api.post<Item<'price_rule'>>('/api/price-rules', rule({ scope: { tagIds: [tag.id] } }))
      ).body;
      const refused = await api.del(`/api/tags/${tag.id}`);
      expect(refused.status).toBe(409);
      expect(errorOf(refused)).toMatchObject({
        code: 'referenced',
        details: [{ resource: 'price_rule', id: scoped.id, field: 'scope.tagIds' }],
      });
      expect((await api.del(`/api/price-rules/${scoped.id}`)).status).toBe(200);
      expect((await api.del(`/api/tags/${tag.id}`)).status).toBe(200);
    });

    test('a tag that does not exist is 400 invalid_reference on scope.tagIds', async () => {
      const res = await api.post('/api/price-rules', rule({ scope: { tagIds: ['no-such-tag'] } }));
      expect(res.status).toBe(400);
      expect(errorOf(res)).toMatchObject({
        code: 'invalid_reference',
        details: [{ field: 'scope.tagIds', resource: 'tag', id: 'no-such-tag' }],
      });
    });
  });

  describe('refused with a 400 naming the field, changing nothing', () => {
    let before: SyncStatus;
    beforeEach(async () => {
      before = await status(server.url);
    });
    afterEach(async () => {
      expect(await status(server.url)).toEqual(before);
    });

    const refusal = async (body: unknown, path = '/api/price-rules', method: 'post' | 'patch' = 'post') => {
      const res = await api[method](path, body);
      expect(res.status, res.text).toBe(400);
      expect(errorOf(res).code).toBe('validation_failed');
      return errorOf(res).details as { path: string; message: string }[];
    };

    test('a date range that ends before it starts', async () => {
      expect(await refusal(rule({ validFrom: '2024-06-02', validUntil: '2024-06-01' }))).toEqual([
        { path: 'validUntil', code: 'custom', message: 'validUntil is before validFrom' },
      ]);
    });

    test('a zero-length time window (10:00-10:00 is not 24 hours)', async () => {
      expect(await refusal(rule({ startTime: '10:00', endTime: '10:00' }))).toEqual([
        {
          path: 'endTime',
          code: 'custom',
          message: 'the time window is empty: endTime equals startTime (leave both empty for all day)',
        },
      ]);
    });

    test('a weekday listed twice', async () => {
      expect(await refusal(rule({ weekdays: [1, 3, 1] }))).toEqual([
        { path: 'weekdays', code: 'custom', message: 'weekdays must not repeat' },
      ]);
    });

    test.each([['2024-02-30'], ['2024-5-01'], ['15.05.2024'], ['2024-05-01T00:00:00Z'], [''], [20240501]])(
      'a validFrom of %j that is not a calendar date',
      async (validFrom) => {
        const details = await refusal(rule({ validFrom }));
        expect(details.map((d) => d.path)).toEqual(['validFrom']);
      },
    );

    test('a PATCH whose merged result ends before it starts, or empties the window', async () => {
      const stored = (
        await api.post<Item<'price_rule'>>(
          '/api/price-rules',
          rule({ validFrom: '2024-06-01', startTime: '17:00', endTime: '19:00' }),
        )
      ).body;
      before = await status(server.url);
      const path = `/api/price-rules/${stored.id}`;
      expect((await refusal({ validUntil: '2024-05-31' }, path, 'patch')).map((d) => d.path)).toEqual([
        'validUntil',
      ]);
      expect((await refusal({ endTime: '17:00' }, path, 'patch')).map((d) => d.path)).toEqual(['endTime']);
      expect((await refusal({ weekdays: [7, 7] }, path, 'patch')).map((d) => d.path)).toEqual(['weekdays']);
    });
  });

  describe('GET /api/venue', () => {
    test('answers the configured zone and currency without a session', async () => {
      const res = await client(server.url).get('/api/venue');
      expect(res.status).toBe(200);
      expect(res.body).toEqual(VENUE);
    });
  });

  describe('GET /api/price-preview', () => {
    const preview = (query: Record<string, string>, token?: string) =>
      client(server.url, token).get<PricePreview>(`/api/price-preview?${new URLSearchParams(query)}`);
    const authed = (query: Record<string, string>) =>
      api.get<PricePreview>(`/api/price-preview?${new URLSearchParams(query)}`);

    test('needs a session', async () => {
      const res = await preview({ productId: product.id });
      expect(res.status).toBe(401);
      expect(errorOf(res).code).toBe('not_signed_in');
    });

    test.each([
      [{}, 'productId'],
      [{ productId: 'has space' }, 'productId'],
      [{ productId: 'x', zoneId: '../zones' }, 'zoneId'],
      [{ productId: 'x', at: 'tomorrow' }, 'at'],
      [{ productId: 'x', at: '2024-05-15' }, 'at'],
      [{ productId: 'x', at: '2024-05-15T12:00:00' }, 'at'],
      [{ productId: 'x', at: '2024-13-01T00:00:00Z' }, 'at'],
      [{ productId: 'x', at: '1715774400000' }, 'at'],
    ])('%j is 400 invalid_query naming %s', async (query, param) => {
      const res = await authed(query as Record<string, string>);
      expect(res.status).toBe(400);
      expect(errorOf(res)).toMatchObject({ code: 'invalid_query', details: { param } });
      expect(errorOf(res).message.startsWith(`${param}: `)).toBe(true);
    });

    test('a parameter given twice is 400 naming it', async () => {
      const res = await api.get(`/api/price-preview?productId=${product.id}&productId=${product.id}`);
      expect(res.status).toBe(400);
      expect(errorOf(res)).toMatchObject({ code: 'invalid_query', details: { param: 'productId' } });
    });

    test('an unknown product, or zone, is 404', async () => {
      const res = await authed({ productId: 'no-such-product' });
      expect(res.status).toBe(404);
      expect(errorOf(res)).toMatchObject({
        code: 'not_found',
        details: { resource: 'product', id: 'no-such-product' },
      });
      const zoneRes = await authed({ productId: product.id, zoneId: 'no-such-zone' });
      expect(zoneRes.status).toBe(404);
      expect(errorOf(zoneRes).details).toEqual({ resource: 'zone', id: 'no-such-zone' });
    });

    test('an exclusive tag rule and a category rule meet: half price, the category rule shut out, in the venue’s zone', async () => {
      const half = (
        await api.post<Item<'price_rule'>>(
          '/api/price-rules',
          rule({
            name: 'Plant week',
            amount: 50,
            scope: { tagIds: [vegan.id] },
            exclusive: true,
            priority: 5,
          }),
        )
      ).body;
      // Only on the patio, from 18:00 New York time: 22:00 UTC in May.
      const tenth = (
        await api.post<Item<'price_rule'>>(
          '/api/price-rules',
          rule({
            name: 'Bowl evening',
            scope: { categoryIds: [category.id], zoneIds: [zone.id] },
            startTime: '18:00',
            endTime: '23:00',
            priority: 5,
          }),
        )
      ).body;
      try {
        const at = '2024-05-15T22:30:00Z';
        const res = await authed({ productId: product.id, zoneId: zone.id, at });
        expect(res.status).toBe(200);
        const rules = await api.get<Snapshot<'price_rule'>>('/api/price-rules');
        const categories = await api.get<Snapshot<'category'>>('/api/categories');
        expect(res.body).toEqual({
          productId: product.id,
          zoneId: zone.id,
          at: '2024-05-15T22:30:00.000Z',
          timeZone: 'America/New_York',
          currency: 'USD',
          venueTime: { date: '2024-05-15', weekday: 3, minutes: 18 * 60 + 30 },
          baseCents: 1000,
          priceCents: 500,
          steps: [
            {
              ruleId: half.id,
              name: 'Plant week',
              kind: 'discount',
              amountType: 'percent',
              amount: 50,
              priority: 5,
              exclusive: true,
              beforeCents: 1000,
              afterCents: 500,
            },
          ],
          shutOut: [{ ruleId: tenth.id, name: 'Bowl evening', byRuleId: half.id }],
          productVersion: product.version,
          versions: { category: categories.body.version, price_rule: rules.body.version },
        });
        // Earlier that day in New York the evening rule is not in force: nothing to shut out.
        const noon = await authed({ productId: product.id, zoneId: zone.id, at: '2024-05-15T16:00:00Z' });
        expect(noon.body.shutOut).toEqual([]);
        expect(noon.body.venueTime.minutes).toBe(12 * 60);
        // Without the zone the patio rule does not apply either.
        expect((await authed({ productId: product.id, at })).body.shutOut).toEqual([]);
      } finally {
        await api.del(`/api/price-rules/${half.id}`);
        await api.del(`/api/price-rules/${tenth.id}`);
      }
    });

    test('without `at` it prices now, and agrees with the shared function on the listed data', async () => {
      const started = Date.now();
      const res = await authed({ productId: product.id });
      expect(res.status).toBe(200);
      const at = Date.parse(res.body.at);
      expect(at).toBeGreaterThanOrEqual(started - 1000);
      expect(at).toBeLessThanOrEqual(Date.now() + 1000);
      const rules = (await api.get<Snapshot<'price_rule'>>('/api/price-rules')).body.items;
      const categories = (await api.get<Snapshot<'category'>>('/api/categories')).body.items;
      const local = priceOf(product, rules, {
        at,
        timeZone: VENUE.timeZone,
        categories: Object.fromEntries(categories.map((c) => [c.id, c])),
      });
      expect({ priceCents: res.body.priceCents, steps: res.body.steps }).toEqual({
        priceCents: local.priceCents,
        steps: local.steps,
      });
    });
  });
});
