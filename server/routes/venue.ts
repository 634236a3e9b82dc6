/**
 * The venue's settings and the price preview. `GET /api/venue` needs no session: a tablet
 * needs the venue's zone and currency before anyone signs in, and they are no secret.
 * The preview prices with the same function as the menu (src/shared/pricing.ts), on the
 * server's data, so "which rule applies now" has one answer everywhere.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { priceOf, venueMoment } from '../../src/shared/pricing';
import { type Item, idSchema } from '../../src/shared/resources';
import {
  PRICE_PREVIEW_PATH,
  PRICE_PREVIEW_QUERY,
  type PricePreview,
  VENUE_PATH,
  type Venue,
} from '../../src/shared/venue';
import { requireSession } from '../auth/sessions';
import type { AppContext } from '../context';
import { ApiError } from '../errors';
import { queryParam } from './input';

type Query = { Querystring: Record<string, unknown> };

const instantSchema = z.iso.datetime({ offset: true });

function invalidParam(param: string, message: string): ApiError {
  return new ApiError('invalid_query', `${param}: ${message}`, { param });
}

/** An id-valued query parameter, or 400 naming it. */
function idParam(query: Record<string, unknown>, param: string): string | undefined {
  const value = queryParam(query, param);
  if (value === undefined || value === '') return undefined;
  if (!idSchema.safeParse(value).success)
    throw invalidParam(param, 'must be an item id (1-64 letters, digits, "_", ".", ":" or "-")');
  return value;
}

/** `at`: an ISO 8601 instant with Z or an offset (a bare local time would be ambiguous); default now. */
function instantParam(query: Record<string, unknown>, param: string): Date {
  const value = queryParam(query, param);
  if (value === undefined || value === '') return new Date();
  const at = new Date(value);
  if (!instantSchema.safeParse(value).success || Number.isNaN(at.getTime()))
    throw invalidParam(
      param,
      'must be an ISO 8601 instant with Z or an offset, e.g. 2024-05-15T18:30:00+02:00',
    );
  return at;
}

export function registerVenueRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { storage } = ctx;

  app.get(VENUE_PATH, async (): Promise<Venue> => ctx.config.venue);

  app.get<Query>(PRICE_PREVIEW_PATH, { onRequest: requireSession(ctx) }, async (request) => {
    const q = PRICE_PREVIEW_QUERY;
    const productId = idParam(request.query, q.productId);
    if (productId === undefined) throw invalidParam(q.productId, 'is required');
    const zoneId = idParam(request.query, q.zoneId) ?? null;
    const at = instantParam(request.query, q.at);

    const product = (await storage.get('product', productId)) as Item<'product'> | null;
    if (!product)
      throw new ApiError('not_found', `no product with id "${productId}"`, {
        resource: 'product',
        id: productId,
      });
    if (zoneId !== null && !(await storage.get('zone', zoneId)))
      throw new ApiError('not_found', `no zone with id "${zoneId}"`, { resource: 'zone', id: zoneId });
    const [rules, categories] = await Promise.all([storage.list('price_rule'), storage.list('category')]);

    const { timeZone, currency } = ctx.config.venue;
    const price = priceOf(product, rules.items as Item<'price_rule'>[], {
      at,
      timeZone,
      zoneId,
      categories: Object.fromEntries((categories.items as Item<'category'>[]).map((c) => [c.id, c])),
    });
    return {
      productId,
      zoneId,
      at: at.toISOString(),
      timeZone,
      currency,
      venueTime: venueMoment(at, timeZone),
      baseCents: price.baseCents,
      priceCents: price.priceCents,
      steps: price.steps,
      shutOut: price.shutOut,
      productVersion: product.version,
      versions: { category: categories.version, price_rule: rules.version },
    } satisfies PricePreview;
  });
}
