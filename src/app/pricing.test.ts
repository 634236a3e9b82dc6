import { describe, expect, it } from 'vitest';
import { type PriceRule, priceOf, ruleAppliesTo, ruleIsActiveAt } from './pricing';

const burger = { id: 'p-burger', categoryId: 'c-mains', priceCents: 1250 };
const categories = {
  'c-food': { parentId: null },
  'c-mains': { parentId: 'c-food' },
  'c-drinks': { parentId: null },
};

/** A rule with every optional field at its default, overridden by `fields`. */
function rule(fields: Partial<PriceRule> & { id: string }): PriceRule {
  return {
    version: 1,
    name: fields.id,
    kind: 'discount',
    amountType: 'percent',
    amount: 10,
    scope: { productIds: [], categoryIds: [], zoneIds: [] },
    weekdays: [],
    startTime: null,
    endTime: null,
    priority: 0,
    active: true,
    ...fields,
  };
}

// 2024-05-15 is a Wednesday (ISO weekday 3).
const wednesdayAt = (hhmm: string) => new Date(`2024-05-15T${hhmm}:00`);
const thursdayAt = (hhmm: string) => new Date(`2024-05-16T${hhmm}:00`);

describe('ruleIsActiveAt', () => {
  it('an inactive rule never counts', () => {
    expect(ruleIsActiveAt(rule({ id: 'r', active: false }), wednesdayAt('12:00'))).toBe(false);
  });

  it('empty weekdays means every day; listed weekdays only those days', () => {
    expect(ruleIsActiveAt(rule({ id: 'r' }), wednesdayAt('12:00'))).toBe(true);
    expect(ruleIsActiveAt(rule({ id: 'r', weekdays: [3] }), wednesdayAt('12:00'))).toBe(true);
    expect(ruleIsActiveAt(rule({ id: 'r', weekdays: [1, 2] }), wednesdayAt('12:00'))).toBe(false);
  });

  it('a daytime window includes its start and excludes its end', () => {
    const happyHour = rule({ id: 'r', startTime: '17:00', endTime: '19:00' });
    expect(ruleIsActiveAt(happyHour, wednesdayAt('16:59'))).toBe(false);
    expect(ruleIsActiveAt(happyHour, wednesdayAt('17:00'))).toBe(true);
    expect(ruleIsActiveAt(happyHour, wednesdayAt('18:59'))).toBe(true);
    expect(ruleIsActiveAt(happyHour, wednesdayAt('19:00'))).toBe(false);
  });

  it('an overnight window after midnight belongs to the weekday it opened on', () => {
    const lateWednesday = rule({ id: 'r', weekdays: [3], startTime: '22:00', endTime: '02:00' });
    expect(ruleIsActiveAt(lateWednesday, wednesdayAt('23:30'))).toBe(true);
    expect(ruleIsActiveAt(lateWednesday, thursdayAt('01:30'))).toBe(true);
    expect(ruleIsActiveAt(lateWednesday, thursdayAt('02:00'))).toBe(false);
    expect(ruleIsActiveAt(lateWednesday, thursdayAt('23:30'))).toBe(false);
    expect(ruleIsActiveAt(lateWednesday, wednesdayAt('01:30'))).toBe(false);
  });
});

describe('ruleAppliesTo', () => {
  it('an empty scope covers every product', () => {
    expect(ruleAppliesTo(rule({ id: 'r' }), burger, {})).toBe(true);
  });

  it('a product list covers only listed products', () => {
    const scoped = rule({ id: 'r', scope: { productIds: ['p-other'], categoryIds: [], zoneIds: [] } });
    expect(ruleAppliesTo(scoped, burger, {})).toBe(false);
  });

  it('a rule on a parent category reaches products of its child categories', () => {
    const onFood = rule({ id: 'r', scope: { productIds: [], categoryIds: ['c-food'], zoneIds: [] } });
    expect(ruleAppliesTo(onFood, burger, { categories })).toBe(true);
    const onDrinks = rule({ id: 'r', scope: { productIds: [], categoryIds: ['c-drinks'], zoneIds: [] } });
    expect(ruleAppliesTo(onDrinks, burger, { categories })).toBe(false);
  });

  it('a zone-scoped rule applies only when pricing for one of its zones', () => {
    const terrace = rule({ id: 'r', scope: { productIds: [], categoryIds: [], zoneIds: ['z-terrace'] } });
    expect(ruleAppliesTo(terrace, burger, {})).toBe(false);
    expect(ruleAppliesTo(terrace, burger, { zoneId: 'z-bar' })).toBe(false);
    expect(ruleAppliesTo(terrace, burger, { zoneId: 'z-terrace' })).toBe(true);
  });

  it('survives a category cycle', () => {
    const cyclic = { 'c-mains': { parentId: 'c-food' }, 'c-food': { parentId: 'c-mains' } };
    const onDrinks = rule({ id: 'r', scope: { productIds: [], categoryIds: ['c-drinks'], zoneIds: [] } });
    expect(ruleAppliesTo(onDrinks, burger, { categories: cyclic })).toBe(false);
  });
});

describe('priceOf', () => {
  const at = wednesdayAt('12:00');

  it('with no rules the price is the base price', () => {
    expect(priceOf(burger, [], { at })).toEqual({ baseCents: 1250, priceCents: 1250, applied: [] });
  });

  it('a percent discount rounds half away from zero to whole cents', () => {
    // 15 % of 1250 = 187.5 -> 188
    const price = priceOf(burger, [rule({ id: 'r', amount: 15 })], { at });
    expect(price.priceCents).toBe(1062);
  });

  it('a fixed surcharge adds cents', () => {
    const price = priceOf(burger, [rule({ id: 'r', kind: 'surcharge', amountType: 'fixed', amount: 150 })], {
      at,
    });
    expect(price.priceCents).toBe(1400);
  });

  it('rules apply highest priority first, each on the running price', () => {
    const minusTwo = rule({ id: 'a', amountType: 'fixed', amount: 250, priority: 1 });
    const tenPercent = rule({ id: 'b', amount: 10, priority: 5 });
    // 1250 -10 % = 1125, then -250 = 875 (the other order would give 900).
    const price = priceOf(burger, [minusTwo, tenPercent], { at });
    expect(price.priceCents).toBe(875);
    expect(price.applied.map((r) => r.id)).toEqual(['b', 'a']);
  });

  it('equal priorities apply in id order, so every device shows the same price', () => {
    const b = rule({ id: 'b', amountType: 'fixed', amount: 100 });
    const a = rule({ id: 'a', amount: 50 });
    expect(priceOf(burger, [b, a], { at }).applied.map((r) => r.id)).toEqual(['a', 'b']);
    expect(priceOf(burger, [a, b], { at }).priceCents).toBe(525);
  });

  it('a price never drops below zero', () => {
    const huge = rule({ id: 'r', amountType: 'fixed', amount: 5000 });
    expect(priceOf(burger, [huge], { at }).priceCents).toBe(0);
  });

  it('rules outside their window or scope leave the price alone', () => {
    const evening = rule({ id: 'r', startTime: '17:00', endTime: '19:00' });
    const terrace = rule({ id: 't', scope: { productIds: [], categoryIds: [], zoneIds: ['z-terrace'] } });
    expect(priceOf(burger, [evening, terrace], { at }).priceCents).toBe(1250);
    expect(priceOf(burger, [evening, terrace], { at, zoneId: 'z-terrace' }).priceCents).toBe(1125);
  });
});
