/**
 * The venue's time zone and currency, as the server last said (`GET /api/venue`). Kept in
 * localStorage so an offline tablet prices in the venue's zone and shows its currency;
 * asked again whenever the engine is back online (a restarted server may have new ones).
 */
import { useEffect, useSyncExternalStore } from 'react';
import { VENUE_PATH, type Venue, venueSchema } from '../shared/venue';
import { useConnection } from './hooks';

const STORAGE_KEY = 'red-coral.venue';

/** What the app prices and formats with; `currency` null until the server answered once. */
export interface VenueSettings {
  timeZone: string;
  currency: string | null;
}

/** Before the first answer: the device's own zone and prices without a currency sign. */
const UNKNOWN: VenueSettings = {
  timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
  currency: null,
};

function stored(): Venue | null {
  try {
    const parsed = venueSchema.safeParse(JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null'));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

let current: VenueSettings = stored() ?? UNKNOWN;
const listeners = new Set<() => void>();

/** Asks the server for the venue's settings; keeps the last good answer on any failure. */
export async function refreshVenue(): Promise<void> {
  try {
    const response = await fetch(VENUE_PATH, { credentials: 'same-origin' });
    if (!response.ok) return;
    const parsed = venueSchema.safeParse(await response.json());
    if (!parsed.success) return;
    const { timeZone, currency } = parsed.data;
    if (timeZone === current.timeZone && currency === current.currency) return;
    current = { timeZone, currency };
    localStorage.setItem(STORAGE_KEY, JSON.stringify(parsed.data));
    for (const listener of listeners) listener();
  } catch {
    // Offline or storage refused: the last answer stays in force.
  }
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The venue's settings, re-rendering when the server tells new ones. */
export function useVenue(): VenueSettings {
  return useSyncExternalStore(subscribe, () => current);
}

/** Refreshes the settings at start and each time the engine is online again. */
export function useVenueRefresh(): void {
  const { state } = useConnection();
  useEffect(() => {
    if (state === 'online') void refreshVenue();
  }, [state]);
}
