/**
 * Prices after price rules: the one function the menu, the price-rule preview and the
 * server's `GET /api/price-preview` all use, so a tablet and the server always agree.
 * Pure: the instant, the venue's time zone and the categories come in as arguments.
 *
 * The rules, documented in docs/PWA.md ("Prices"):
 * - Time is the venue's wall clock (`venueMoment`), never the device's own zone.
 * - A rule is in force when active, on a listed ISO weekday (none = every day), between
 *   validFrom and validUntil (inclusive; null = open) and inside [startTime, endTime).
 *   A window whose end is before its start runs overnight, and its after-midnight part
 *   belongs to the day it opened: weekday and dates are judged on that day.
 *   An empty window (start = end, refused since; older rules may hold one) is never in force.
 * - Scope: no products, categories or tags listed = the whole menu; otherwise a product
 *   matches when it is listed, its category or any ancestor is listed, or it carries a
 *   listed tag. A rule with zones applies only when pricing for one of them.
 * - Order: priority high to low; at equal priority exclusive rules first, then by id.
 *   Each rule applies on the running price (percent rounds half away from zero to whole
 *   cents, fixed adds or subtracts; never below 0). After an exclusive rule applied,
 *   nothing further down applies: an exclusive rule shuts out every rule of lower or equal
 *   priority, and of several exclusive rules the first in that order wins.
 */
import type { Item } from './resources';

export type PriceRule = Item<'price_rule'>;
type Product = Pick<Item<'product'>, 'id' | 'categoryId' | 'priceCents' | 'tagIds'>;
type Categories = Record<string, Pick<Item<'category'>, 'parentId'>>;

/** An instant as the venue's wall clock reads it. */
export interface VenueMoment {
  /** The venue-local date, YYYY-MM-DD. */
  date: string;
  /** ISO weekday: 1 = Monday ... 7 = Sunday. */
  weekday: number;
  /** Minutes since the venue-local midnight, 0-1439. */
  minutes: number;
}

/** What one rule did to the price, in the order the rules applied. */
export interface PriceStep {
  ruleId: string;
  name: string;
  kind: PriceRule['kind'];
  amountType: PriceRule['amountType'];
  amount: number;
  priority: number;
  exclusive: boolean;
  beforeCents: number;
  afterCents: number;
}

/** A rule that was in force and in scope but did not apply: an exclusive rule shut it out. */
export interface ShutOut {
  ruleId: string;
  name: string;
  byRuleId: string;
}

export interface Price {
  baseCents: number;
  priceCents: number;
  steps: PriceStep[];
  shutOut: ShutOut[];
}

/** Where and when a price is asked for. */
export interface PriceContext {
  at: Date | number;
  /** The venue's IANA time zone (a server setting, `GET /api/venue`). */
  timeZone: string;
  /** The zone the order is for; zone-scoped rules need it. */
  zoneId?: string | null;
  /** Categories by id, so rules on a parent category reach its children. */
  categories?: Categories;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
/** Building a DateTimeFormat costs far more than using one: one per zone, kept. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The venue-local date, weekday and minute of an instant (Intl does the zone and DST rules). */
export function venueMoment(at: Date | number, timeZone: string): VenueMoment {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(at)) parts[part.type] = part.value;
  const hour = Number(parts.hour) % 24;
  return {
    date: `${parts.year?.padStart(4, '0')}-${parts.month}-${parts.day}`,
    weekday: WEEKDAYS[parts.weekday ?? ''] ?? 1,
    minutes: hour * 60 + Number(parts.minute),
  };
}

/**
 * The instant at which the venue's wall clock reads `date` `hhmm` (for the preview's date
 * and time pickers). A wall time that DST skips lands just after the gap; one it repeats,
 * on one of its two instants.
 */
export function venueInstant(date: string, hhmm: string, timeZone: string): number {
  const [y, mo, d] = date.split('-').map(Number);
  const wall = Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1) + minutesOf(hhmm) * 60_000;
  let at = wall;
  // Each round corrects by the zone's offset at the current guess; two suffice, three for safety.
  for (let round = 0; round < 3; round++) {
    const seen = venueMoment(at, timeZone);
    const [sy, smo, sd] = seen.date.split('-').map(Number);
    const shown = Date.UTC(sy ?? 0, (smo ?? 1) - 1, sd ?? 1) + seen.minutes * 60_000;
    if (shown === wall) break;
    at += wall - shown;
  }
  return at;
}

/** The calendar day before `date` (YYYY-MM-DD); plain calendar arithmetic, no zone involved. */
function dayBefore(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, (d ?? 1) - 1)).toISOString().slice(0, 10);
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** The day whose window covers this moment (today, or yesterday after midnight), or null. */
function openingDay(rule: PriceRule, now: VenueMoment): { date: string; weekday: number } | null {
  const today = { date: now.date, weekday: now.weekday };
  if (rule.startTime === null || rule.endTime === null) return today;
  const start = minutesOf(rule.startTime);
  const end = minutesOf(rule.endTime);
  if (start < end) return now.minutes >= start && now.minutes < end ? today : null;
  if (start === end) return null;
  if (now.minutes >= start) return today;
  if (now.minutes < end)
    return { date: dayBefore(now.date), weekday: now.weekday === 1 ? 7 : now.weekday - 1 };
  return null;
}

/** True when the rule is switched on at this venue-local moment. */
export function ruleInForce(rule: PriceRule, now: VenueMoment): boolean {
  if (!rule.active) return false;
  const day = openingDay(rule, now);
  if (!day) return false;
  if (rule.weekdays.length > 0 && !rule.weekdays.includes(day.weekday)) return false;
  // Rules stored before validFrom/validUntil existed lack them until the server's upgrade arrives.
  const from = rule.validFrom ?? null;
  const until = rule.validUntil ?? null;
  return (from === null || day.date >= from) && (until === null || day.date <= until);
}

/** The product's category and all its ancestors (cycle-safe). */
function categoryChain(categoryId: string, categories: Categories | undefined): Set<string> {
  const chain = new Set<string>();
  let current: string | null | undefined = categoryId;
  while (current && !chain.has(current)) {
    chain.add(current);
    current = categories?.[current]?.parentId;
  }
  return chain;
}

/** True when the rule's scope covers this product in this zone. */
export function ruleAppliesTo(
  rule: PriceRule,
  product: Product,
  context: Pick<PriceContext, 'zoneId' | 'categories'>,
): boolean {
  const { productIds, categoryIds, zoneIds } = rule.scope;
  const tagIds = rule.scope.tagIds ?? [];
  if (zoneIds.length > 0 && !(context.zoneId && zoneIds.includes(context.zoneId))) return false;
  if (productIds.length === 0 && categoryIds.length === 0 && tagIds.length === 0) return true;
  if (productIds.includes(product.id)) return true;
  if (tagIds.some((id) => product.tagIds.includes(id))) return true;
  if (categoryIds.length === 0) return false;
  const chain = categoryChain(product.categoryId, context.categories);
  return categoryIds.some((id) => chain.has(id));
}

/** Precedence: priority high to low, exclusive before stackable at equal priority, then id. */
function byPrecedence(a: PriceRule, b: PriceRule): number {
  return (
    b.priority - a.priority ||
    Number(b.exclusive === true) - Number(a.exclusive === true) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** The rules in force at this moment, in the order they apply. */
export function rulesInForce(rules: readonly PriceRule[], now: VenueMoment): PriceRule[] {
  return rules.filter((rule) => ruleInForce(rule, now)).sort(byPrecedence);
}

/** Rounds half away from zero, so a discount of 0.5 cent and a surcharge of 0.5 cent mirror. */
function roundCents(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value));
}

/** Applies rules already in force and in precedence order (`rulesInForce`) to one product. */
export function applyRules(
  product: Product,
  inForce: readonly PriceRule[],
  context: Pick<PriceContext, 'zoneId' | 'categories'>,
): Price {
  let price = product.priceCents;
  const steps: PriceStep[] = [];
  const shutOut: ShutOut[] = [];
  let winner: PriceRule | null = null;
  for (const rule of inForce) {
    if (!ruleAppliesTo(rule, product, context)) continue;
    if (winner) {
      shutOut.push({ ruleId: rule.id, name: rule.name, byRuleId: winner.id });
      continue;
    }
    const delta = rule.amountType === 'percent' ? roundCents((price * rule.amount) / 100) : rule.amount;
    const next = Math.max(0, rule.kind === 'discount' ? price - delta : price + delta);
    steps.push({
      ruleId: rule.id,
      name: rule.name,
      kind: rule.kind,
      amountType: rule.amountType,
      amount: rule.amount,
      priority: rule.priority,
      exclusive: rule.exclusive === true,
      beforeCents: price,
      afterCents: next,
    });
    price = next;
    if (rule.exclusive === true) winner = rule;
  }
  return { baseCents: product.priceCents, priceCents: price, steps, shutOut };
}

/** The product's price at `context.at` in the venue's zone, after every rule that applies. */
export function priceOf(product: Product, rules: readonly PriceRule[], context: PriceContext): Price {
  return applyRules(product, rulesInForce(rules, venueMoment(context.at, context.timeZone)), context);
}
