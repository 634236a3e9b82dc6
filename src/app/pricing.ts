/**
 * Prices after price rules, as the menu shows them. Pure: the clock, the zone and the
 * categories come in as arguments, so the same inputs always give the same price.
 *
 * Rules, decided here and documented in docs/PWA.md:
 * - A rule counts when it is active, today's ISO weekday is listed (empty = every day)
 *   and the time is inside [startTime, endTime). A window whose end is not after its start
 *   runs overnight: 22:00-02:00 covers 01:00 on the day after a listed weekday.
 * - Scope: a product matches when both product and category lists are empty, or it is
 *   listed, or its category or any ancestor category is listed. A rule with zones applies
 *   only when pricing for one of those zones.
 * - Every matching rule applies, highest priority first (ties by id, for a stable result),
 *   each on the running price: percent rules compound, fixed ones add or subtract cents.
 *   Each step rounds to whole cents (half away from zero) and the price never drops below 0.
 */
import type { Item } from '../shared/resources';

export type PriceRule = Item<'price_rule'>;

/** Where and when a price is asked for. */
export interface PriceContext {
  at: Date;
  /** The zone the order is for; zone-scoped rules need it. */
  zoneId?: string | null;
  /** Categories by id, so rules on a parent category reach its children. */
  categories?: Record<string, Pick<Item<'category'>, 'parentId'>>;
}

export interface Price {
  baseCents: number;
  priceCents: number;
  /** The rules that changed the price, in the order they applied. */
  applied: PriceRule[];
}

/** ISO weekday: 1 = Monday ... 7 = Sunday. */
function isoWeekday(date: Date): number {
  return ((date.getDay() + 6) % 7) + 1;
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** True when the rule is switched on at this local date and time. */
export function ruleIsActiveAt(rule: PriceRule, at: Date): boolean {
  if (!rule.active) return false;
  const today = isoWeekday(at);
  const dayListed = (day: number) => rule.weekdays.length === 0 || rule.weekdays.includes(day);
  if (rule.startTime === null || rule.endTime === null) return dayListed(today);
  const now = at.getHours() * 60 + at.getMinutes();
  const start = minutesOf(rule.startTime);
  const end = minutesOf(rule.endTime);
  if (start < end) return dayListed(today) && now >= start && now < end;
  // Overnight window: the part after midnight belongs to the day the window opened.
  const yesterday = today === 1 ? 7 : today - 1;
  return (now >= start && dayListed(today)) || (now < end && dayListed(yesterday));
}

/** The product's category and all its ancestors (cycle-safe). */
function categoryChain(categoryId: string, categories: PriceContext['categories']): Set<string> {
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
  product: Pick<Item<'product'>, 'id' | 'categoryId'>,
  context: Pick<PriceContext, 'zoneId' | 'categories'>,
): boolean {
  const { productIds, categoryIds, zoneIds } = rule.scope;
  if (zoneIds.length > 0 && !(context.zoneId && zoneIds.includes(context.zoneId))) return false;
  if (productIds.length === 0 && categoryIds.length === 0) return true;
  if (productIds.includes(product.id)) return true;
  const chain = categoryChain(product.categoryId, context.categories);
  return categoryIds.some((id) => chain.has(id));
}

/** Rounds half away from zero, so a discount of 0.5 cent and a surcharge of 0.5 cent mirror. */
function roundCents(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value));
}

/** The product's price after every rule that applies now. */
export function priceOf(
  product: Pick<Item<'product'>, 'id' | 'categoryId' | 'priceCents'>,
  rules: readonly PriceRule[],
  context: PriceContext,
): Price {
  const matching = rules
    .filter((rule) => ruleIsActiveAt(rule, context.at) && ruleAppliesTo(rule, product, context))
    .sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let price = product.priceCents;
  const applied: PriceRule[] = [];
  for (const rule of matching) {
    const delta = rule.amountType === 'percent' ? roundCents((price * rule.amount) / 100) : rule.amount;
    const next = Math.max(0, rule.kind === 'discount' ? price - delta : price + delta);
    if (next !== price) applied.push(rule);
    price = next;
  }
  return { baseCents: product.priceCents, priceCents: price, applied };
}
