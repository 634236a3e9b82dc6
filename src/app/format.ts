/** Display formats shared by the screens. */

/** Building a NumberFormat costs far more than using one: one per currency, kept. */
const moneyFormats = new Map<string | null, Intl.NumberFormat>();

function moneyFormat(currency: string | null): Intl.NumberFormat {
  let format = moneyFormats.get(currency);
  if (!format) {
    format = currency
      ? new Intl.NumberFormat(undefined, { style: 'currency', currency })
      : new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    moneyFormats.set(currency, format);
  }
  return format;
}

/** Digits after the decimal point of the currency's minor unit (EUR 2, JPY 0, BHD 3). */
export function minorDigits(currency: string | null): number {
  return moneyFormat(currency).resolvedOptions().maximumFractionDigits ?? 2;
}

/**
 * Integer minor units in the venue's currency ("€12.50", "¥1,250"); a plain decimal while
 * the device has not learned the currency yet (src/app/venue.ts).
 */
export function formatMoney(cents: number, currency: string | null): string {
  return moneyFormat(currency).format(cents / 10 ** minorDigits(currency));
}

/** A signed price delta for attribute options ("+€0.50", "−€1.00"); empty for zero. */
export function formatDelta(cents: number, currency: string | null): string {
  if (cents === 0) return '';
  return `${cents > 0 ? '+' : '−'}${formatMoney(Math.abs(cents), currency)}`;
}

/** How long ago, in words that fit a status bar ("just now", "3 min ago", "2 h ago"). */
export function formatAge(since: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - since) / 1000));
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/** One formatter for every clock: `toLocaleTimeString` builds a new one per call, a list of them per render. */
const clock = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  // h23, not hour12: false, which some locales print as "24:05:00" just after midnight.
  hourCycle: 'h23',
});

/** "10:42:07" for log lines. */
export function formatClock(at: number): string {
  return clock.format(at);
}

export const WEEKDAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

/** A field or enum name as a label: "priceCents" → "Price", "categoryId" → "Category", "dining_table" → "Dining table". */
export function humanize(name: string): string {
  const words = name
    .replace(/(Cents|Ids?)$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
