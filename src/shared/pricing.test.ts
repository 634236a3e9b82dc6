import { describe, expect, it } from 'vitest';
import { noScope, rule } from '../../tests/unit/support/priceRules';
import {
  type PriceRule,
  priceOf,
  ruleAppliesTo,
  ruleInForce,
  rulesInForce,
  type VenueMoment,
  venueInstant,
  venueMoment,
} from './pricing';

const burger = { id: 'p-burger', categoryId: 'c-mains', priceCents: 1250, tagIds: ['t-vegan'] };
const categories = {
  'c-food': { parentId: null },
  'c-mains': { parentId: 'c-food' },
  'c-drinks': { parentId: null },
};
const BERLIN = 'Europe/Berlin';

// 2024-05-15 is a Wednesday (ISO weekday 3).
const moment = (date: string, weekday: number, hhmm: string): VenueMoment => {
  const [h, m] = hhmm.split(':').map(Number);
  return { date, weekday, minutes: h! * 60 + m! };
};
const wednesdayAt = (hhmm: string) => moment('2024-05-15', 3, hhmm);
const thursdayAt = (hhmm: string) => moment('2024-05-16', 4, hhmm);

describe('venueMoment', () => {
  it('reads an instant on the venue’s wall clock, not the machine’s', () => {
    const at = new Date('2024-05-15T23:30:00Z');
    expect(venueMoment(at, BERLIN)).toEqual({ date: '2024-05-16', weekday: 4, minutes: 90 });
    expect(venueMoment(at, 'America/New_York')).toEqual({ date: '2024-05-15', weekday: 3, minutes: 1170 });
    expect(venueMoment(at, 'UTC')).toEqual({ date: '2024-05-15', weekday: 3, minutes: 1410 });
  });

  it('follows daylight saving time: Berlin jumps from 02:00 to 03:00 on 31 March 2024', () => {
    expect(venueMoment(new Date('2024-03-31T00:59:00Z'), BERLIN).minutes).toBe(60 + 59);
    expect(venueMoment(new Date('2024-03-31T01:00:00Z'), BERLIN).minutes).toBe(180);
  });

  it('gives midnight as minute 0', () => {
    expect(venueMoment(new Date('2024-05-14T22:00:00Z'), BERLIN)).toEqual({
      date: '2024-05-15',
      weekday: 3,
      minutes: 0,
    });
  });
});

describe('venueInstant', () => {
  it('finds the instant the venue’s clock shows a date and time, on either side of DST', () => {
    expect(new Date(venueInstant('2024-05-15', '12:30', BERLIN)).toISOString()).toBe(
      '2024-05-15T10:30:00.000Z',
    );
    expect(new Date(venueInstant('2024-01-15', '12:30', BERLIN)).toISOString()).toBe(
      '2024-01-15T11:30:00.000Z',
    );
    expect(new Date(venueInstant('2024-05-15', '00:00', 'Asia/Kathmandu')).toISOString()).toBe(
      '2024-05-14T18:15:00.000Z',
    );
  });

  it('round-trips with venueMoment', () => {
    const at = venueInstant('2024-10-27', '23:59', 'America/New_York');
    expect(venueMoment(at, 'America/New_York')).toEqual({ date: '2024-10-27', weekday: 7, minutes: 1439 });
  });
});

describe('ruleInForce', () => {
  it('an inactive rule never counts', () => {
    expect(ruleInForce(rule({ id: 'r', active: false }), wednesdayAt('12:00'))).toBe(false);
  });

  it('empty weekdays means every day; listed weekdays only those days', () => {
    expect(ruleInForce(rule({ id: 'r' }), wednesdayAt('12:00'))).toBe(true);
    expect(ruleInForce(rule({ id: 'r', weekdays: [3] }), wednesdayAt('12:00'))).toBe(true);
    expect(ruleInForce(rule({ id: 'r', weekdays: [1, 2] }), wednesdayAt('12:00'))).toBe(false);
  });

  it('a daytime window includes its start and excludes its end', () => {
    const happyHour = rule({ id: 'r', startTime: '17:00', endTime: '19:00' });
    expect(ruleInForce(happyHour, wednesdayAt('16:59'))).toBe(false);
    expect(ruleInForce(happyHour, wednesdayAt('17:00'))).toBe(true);
    expect(ruleInForce(happyHour, wednesdayAt('18:59'))).toBe(true);
    expect(ruleInForce(happyHour, wednesdayAt('19:00'))).toBe(false);
  });

  it('an overnight window after midnight belongs to the weekday it opened on', () => {
    const lateWednesday = rule({ id: 'r', weekdays: [3], startTime: '22:00', endTime: '02:00' });
    expect(ruleInForce(lateWednesday, wednesdayAt('23:30'))).toBe(true);
    expect(ruleInForce(lateWednesday, thursdayAt('01:30'))).toBe(true);
    expect(ruleInForce(lateWednesday, thursdayAt('02:00'))).toBe(false);
    expect(ruleInForce(lateWednesday, thursdayAt('23:30'))).toBe(false);
    expect(ruleInForce(lateWednesday, wednesdayAt('01:30'))).toBe(false);
  });

  it('an overnight window on Sunday reaches into Monday', () => {
    const lateSunday = rule({ id: 'r', weekdays: [7], startTime: '22:00', endTime: '02:00' });
    expect(ruleInForce(lateSunday, moment('2024-05-20', 1, '01:00'))).toBe(true);
    expect(ruleInForce(lateSunday, moment('2024-05-19', 7, '01:00'))).toBe(false);
  });

  it('validFrom and validUntil are inclusive', () => {
    const may = rule({ id: 'r', validFrom: '2024-05-15', validUntil: '2024-05-16' });
    expect(ruleInForce(may, moment('2024-05-14', 2, '23:59'))).toBe(false);
    expect(ruleInForce(may, moment('2024-05-15', 3, '00:00'))).toBe(true);
    expect(ruleInForce(may, moment('2024-05-16', 4, '23:59'))).toBe(true);
    expect(ruleInForce(may, moment('2024-05-17', 5, '00:00'))).toBe(false);
    expect(ruleInForce(rule({ id: 'r', validUntil: '2024-05-15' }), wednesdayAt('12:00'))).toBe(true);
    expect(ruleInForce(rule({ id: 'r', validFrom: '2024-05-16' }), wednesdayAt('12:00'))).toBe(false);
  });

  it('dates of an overnight window are judged on the day it opened', () => {
    const lastNight = rule({ id: 'r', startTime: '22:00', endTime: '02:00', validUntil: '2024-05-15' });
    expect(ruleInForce(lastNight, thursdayAt('01:00'))).toBe(true);
    const firstNight = rule({ id: 'r', startTime: '22:00', endTime: '02:00', validFrom: '2024-05-16' });
    expect(ruleInForce(firstNight, thursdayAt('01:00'))).toBe(false);
    expect(ruleInForce(firstNight, thursdayAt('22:00'))).toBe(true);
  });

  it('a window across the first of a month and a year finds the day before', () => {
    const newYearsEve = rule({ id: 'r', startTime: '20:00', endTime: '04:00', validUntil: '2024-12-31' });
    expect(ruleInForce(newYearsEve, moment('2025-01-01', 3, '03:00'))).toBe(true);
    expect(ruleInForce(newYearsEve, moment('2025-01-01', 3, '20:00'))).toBe(false);
    const leap = rule({ id: 'r', startTime: '20:00', endTime: '04:00', validFrom: '2024-02-29' });
    expect(ruleInForce(leap, moment('2024-03-01', 5, '03:00'))).toBe(true);
    expect(ruleInForce(leap, moment('2024-02-29', 4, '03:00'))).toBe(false);
  });

  it('an empty window (start = end, refused since) is never in force, not 24 hours', () => {
    const stored = rule({ id: 'r', startTime: '10:00', endTime: '10:00' });
    for (const at of ['00:00', '09:59', '10:00', '10:01', '23:59'])
      expect(ruleInForce(stored, wednesdayAt(at))).toBe(false);
  });

  it('a rule stored before exclusive, tags and dates existed still prices as before', () => {
    const { exclusive: _e, validFrom: _f, validUntil: _u, ...old } = rule({ id: 'r' });
    const legacy = {
      ...old,
      scope: { productIds: [], categoryIds: [], zoneIds: [] },
    } as unknown as PriceRule;
    expect(ruleInForce(legacy, wednesdayAt('12:00'))).toBe(true);
    expect(priceOf(burger, [legacy], { at: 0, timeZone: 'UTC' }).priceCents).toBe(1125);
  });
});

describe('ruleAppliesTo', () => {
  const scoped = (scope: Partial<PriceRule['scope']>) => rule({ id: 'r', scope: { ...noScope, ...scope } });

  it('an empty scope covers every product', () => {
    expect(ruleAppliesTo(rule({ id: 'r' }), burger, {})).toBe(true);
  });

  it('a product list covers only listed products', () => {
    expect(ruleAppliesTo(scoped({ productIds: ['p-other'] }), burger, {})).toBe(false);
    expect(ruleAppliesTo(scoped({ productIds: ['p-burger'] }), burger, {})).toBe(true);
  });

  it('a tag list covers products carrying one of the tags', () => {
    expect(ruleAppliesTo(scoped({ tagIds: ['t-vegan'] }), burger, {})).toBe(true);
    expect(ruleAppliesTo(scoped({ tagIds: ['t-spicy'] }), burger, {})).toBe(false);
  });

  it('products, categories and tags listed together match any of them', () => {
    const either = scoped({ productIds: ['p-other'], categoryIds: ['c-drinks'], tagIds: ['t-vegan'] });
    expect(ruleAppliesTo(either, burger, { categories })).toBe(true);
    expect(ruleAppliesTo(either, { ...burger, tagIds: [] }, { categories })).toBe(false);
  });

  it('a rule on a parent category reaches products of its child categories', () => {
    expect(ruleAppliesTo(scoped({ categoryIds: ['c-food'] }), burger, { categories })).toBe(true);
    expect(ruleAppliesTo(scoped({ categoryIds: ['c-drinks'] }), burger, { categories })).toBe(false);
  });

  it('a zone-scoped rule applies only when pricing for one of its zones', () => {
    const terrace = scoped({ zoneIds: ['z-terrace'] });
    expect(ruleAppliesTo(terrace, burger, {})).toBe(false);
    expect(ruleAppliesTo(terrace, burger, { zoneId: 'z-bar' })).toBe(false);
    expect(ruleAppliesTo(terrace, burger, { zoneId: 'z-terrace' })).toBe(true);
  });

  it('survives a category cycle', () => {
    const cyclic = { 'c-mains': { parentId: 'c-food' }, 'c-food': { parentId: 'c-mains' } };
    expect(ruleAppliesTo(scoped({ categoryIds: ['c-drinks'] }), burger, { categories: cyclic })).toBe(false);
  });
});

describe('priceOf', () => {
  const at = new Date('2024-05-15T10:00:00Z');
  const price = (rules: PriceRule[], zoneId: string | null = null) =>
    priceOf(burger, rules, { at, timeZone: BERLIN, zoneId, categories });
  const ids = (rules: PriceRule[]) => price(rules).steps.map((s) => s.ruleId);

  it('with no rules the price is the base price', () => {
    expect(price([])).toEqual({ baseCents: 1250, priceCents: 1250, steps: [], shutOut: [] });
  });

  it('a percent discount rounds half away from zero to whole cents', () => {
    // 15 % of 1250 = 187.5 -> 188
    expect(price([rule({ id: 'r', amount: 15 })]).priceCents).toBe(1062);
  });

  it('a fixed surcharge adds cents, and each step says what it did', () => {
    const result = price([rule({ id: 'r', kind: 'surcharge', amountType: 'fixed', amount: 150 })]);
    expect(result.priceCents).toBe(1400);
    expect(result.steps).toEqual([
      {
        ruleId: 'r',
        name: 'r',
        kind: 'surcharge',
        amountType: 'fixed',
        amount: 150,
        priority: 0,
        exclusive: false,
        beforeCents: 1250,
        afterCents: 1400,
      },
    ]);
  });

  it('stackable rules apply highest priority first, each on the running price', () => {
    const minusTwo = rule({ id: 'a', amountType: 'fixed', amount: 250, priority: 1 });
    const tenPercent = rule({ id: 'b', amount: 10, priority: 5 });
    // 1250 -10 % = 1125, then -250 = 875 (the other order would give 900).
    expect(price([minusTwo, tenPercent]).priceCents).toBe(875);
    expect(ids([minusTwo, tenPercent])).toEqual(['b', 'a']);
  });

  it('equal priorities apply in id order, so every device shows the same price', () => {
    const b = rule({ id: 'b', amountType: 'fixed', amount: 100 });
    const a = rule({ id: 'a', amount: 50 });
    expect(ids([b, a])).toEqual(['a', 'b']);
    expect(price([a, b]).priceCents).toBe(525);
  });

  it('an exclusive rule shuts out the rules of lower priority', () => {
    const half = rule({ id: 'half', amount: 50, priority: 10, exclusive: true });
    const tenth = rule({ id: 'tenth', amount: 10, priority: 5 });
    const result = price([tenth, half]);
    expect(result.priceCents).toBe(625);
    expect(result.shutOut).toEqual([{ ruleId: 'tenth', name: 'tenth', byRuleId: 'half' }]);
  });

  it('an exclusive rule shuts out stackable rules of the same priority, whatever their ids', () => {
    const half = rule({ id: 'z-half', amount: 50, priority: 5, exclusive: true });
    const tenth = rule({ id: 'a-tenth', amount: 10, priority: 5 });
    expect(ids([tenth, half])).toEqual(['z-half']);
  });

  it('stackable rules of higher priority still apply before an exclusive one', () => {
    const surcharge = rule({ id: 's', kind: 'surcharge', amount: 10, priority: 20 });
    const half = rule({ id: 'h', amount: 50, priority: 10, exclusive: true });
    // 1250 +10 % = 1375, then -50 % = 687.5 -> 688
    expect(price([half, surcharge]).priceCents).toBe(687);
    expect(ids([half, surcharge])).toEqual(['s', 'h']);
  });

  it('of several exclusive rules the highest priority wins; at equal priority the lowest id', () => {
    const a = rule({ id: 'a', amount: 20, priority: 3, exclusive: true });
    const b = rule({ id: 'b', amount: 30, priority: 7, exclusive: true });
    const c = rule({ id: 'c', amount: 40, priority: 7, exclusive: true });
    expect(ids([a, b, c])).toEqual(['b']);
    expect(price([a, b, c]).shutOut.map((s) => s.ruleId)).toEqual(['c', 'a']);
  });

  it('an exclusive rule outside its scope shuts out nothing', () => {
    const drinksOnly = rule({
      id: 'x',
      amount: 50,
      priority: 10,
      exclusive: true,
      scope: { ...noScope, categoryIds: ['c-drinks'] },
    });
    expect(ids([drinksOnly, rule({ id: 't' })])).toEqual(['t']);
  });

  it('a price never drops below zero', () => {
    expect(price([rule({ id: 'r', amountType: 'fixed', amount: 5000 })]).priceCents).toBe(0);
  });

  it('rules outside their window or scope leave the price alone', () => {
    // 10:00 UTC is 12:00 in Berlin.
    const evening = rule({ id: 'r', startTime: '17:00', endTime: '19:00' });
    const terrace = rule({ id: 't', scope: { ...noScope, zoneIds: ['z-terrace'] } });
    expect(price([evening, terrace]).priceCents).toBe(1250);
    expect(price([evening, terrace], 'z-terrace').priceCents).toBe(1125);
  });

  it('judges the window in the venue’s zone', () => {
    const noon = rule({ id: 'r', startTime: '12:00', endTime: '13:00' });
    expect(priceOf(burger, [noon], { at, timeZone: BERLIN }).priceCents).toBe(1125);
    expect(priceOf(burger, [noon], { at, timeZone: 'UTC' }).priceCents).toBe(1250);
  });

  it('rulesInForce orders by precedence whatever order the rules came in', () => {
    const rules = [rule({ id: 'c' }), rule({ id: 'a', priority: 2 }), rule({ id: 'b', exclusive: true })];
    expect(rulesInForce(rules, wednesdayAt('12:00')).map((r) => r.id)).toEqual(['a', 'b', 'c']);
  });
});
