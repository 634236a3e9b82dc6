/**
 * The venue's settings clients learn from the server, and the price preview: their routes,
 * query names and answers. Kept apart from protocol.ts (the sync protocol) because
 * nothing here takes part in versions, digests or events.
 */
import { z } from 'zod';
import type { PriceStep, ShutOut, VenueMoment } from './pricing';

/** `GET /api/venue` (no session): how the venue keeps time and money. */
export const VENUE_PATH = '/api/venue';

/** True for an IANA time zone this runtime's Intl knows ("Europe/Berlin", "UTC"). */
export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** True for an ISO 4217 code this runtime's Intl formats ("EUR", "CHF"). */
export function isCurrency(value: string): boolean {
  return /^[A-Z]{3}$/.test(value) && Intl.supportedValuesOf('currency').includes(value);
}

/** The answer of `GET /api/venue`; the app keeps the last one so it works offline. */
export const venueSchema = z.strictObject({
  /** The IANA zone price rules' days and times are judged in, whatever the device's own zone. */
  timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone'),
  /** The ISO 4217 currency of every price (integer minor units). */
  currency: z.string().refine(isCurrency, 'must be an ISO 4217 currency code'),
});
export type Venue = z.infer<typeof venueSchema>;

/** `GET /api/price-preview?productId=&zoneId=&at=` (session): which rules make a price. */
export const PRICE_PREVIEW_PATH = '/api/price-preview';

/** Query parameters of the price preview. */
export const PRICE_PREVIEW_QUERY = {
  /** Required: the product to price. */
  productId: 'productId',
  /** Optional: the zone the order is for (zone-scoped rules need one). */
  zoneId: 'zoneId',
  /** Optional: an ISO 8601 instant with an offset or Z; default now. */
  at: 'at',
} as const;

/** The answer of the price preview: the same function the menu uses, run on the server's data. */
export interface PricePreview {
  productId: string;
  zoneId: string | null;
  /** The instant priced, ISO 8601 in UTC. */
  at: string;
  timeZone: string;
  currency: string;
  /** The instant on the venue's wall clock: the day and minute the rules were judged at. */
  venueTime: VenueMoment;
  baseCents: number;
  priceCents: number;
  /** The rules that made the price, in the order they applied, with what each did. */
  steps: PriceStep[];
  /** Rules in force and in scope that an exclusive rule shut out. */
  shutOut: ShutOut[];
  /** The product's item version, and the versions of the types priced from. */
  productVersion: number;
  /** A device holding these versions (and the product's) computes the same price. */
  versions: { category: number; price_rule: number };
}
