/**
 * Properties of the pricing rules (fast-check, fixed seeds): overnight windows, weekday
 * boundaries in the venue's zone, validity dates and exclusivity, each checked against
 * what docs/PWA.md promises rather than against a copy of the implementation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { noScope, rule } from '../../tests/unit/support/priceRules';
import {
  applyRules,
  type PriceRule,
  priceOf,
  ruleInForce,
  rulesInForce,
  type VenueMoment,
  venueMoment,
} from './pricing';

const runs = (seed: number, numRuns = 200) => ({ seed, numRuns });

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
const DAY_MS = 86_400_000;
/** The date `n` days after 2024-01-01 (a Monday), with its ISO weekday. */
const day = (n: number) => ({
  date: new Date(Date.UTC(2024, 0, 1) + n * DAY_MS).toISOString().slice(0, 10),
  weekday: (n % 7) + 1,
});

/** Every in-force minute over a run of days, as minute offsets from the first day's midnight. */
function inForceMinutes(r: PriceRule, firstDay: number, days: number): number[] {
  const out: number[] = [];
  for (let d = 0; d < days; d++) {
    const { date, weekday } = day(firstDay + d);
    for (let m = 0; m < 1440; m++) if (ruleInForce(r, { date, weekday, minutes: m })) out.push(d * 1440 + m);
  }
  return out;
}

describe('time windows', () => {
  it('an overnight window on one weekday is in force for exactly one run, from its start that day to its end the next', () => {
    const arb = fc
      .record({ start: fc.integer({ min: 1, max: 1439 }), end: fc.integer({ min: 0, max: 1438 }) })
      .filter(({ start, end }) => start > end);
    fc.assert(
      fc.property(arb, fc.integer({ min: 1, max: 300 }), ({ start, end }, firstDay) => {
        const opening = day(firstDay);
        const r = rule({ id: 'r', weekdays: [opening.weekday], startTime: hhmm(start), endTime: hhmm(end) });
        // From the day before (to see nothing spills back) to the day after the next.
        const minutes = inForceMinutes(r, firstDay - 1, 3);
        const from = 1440 + start;
        const length = 1440 - start + end;
        expect(minutes).toEqual(Array.from({ length }, (_, i) => from + i));
      }),
      runs(0x9a1, 60),
    );
  });

  it('a daytime window is in force exactly from its start (inclusive) to its end (exclusive) on listed days', () => {
    const arb = fc
      .record({ start: fc.integer({ min: 0, max: 1439 }), end: fc.integer({ min: 1, max: 1439 }) })
      .filter(({ start, end }) => start < end);
    fc.assert(
      fc.property(
        arb,
        fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { maxLength: 7 }),
        fc.integer({ min: 0, max: 1439 }),
        fc.integer({ min: 0, max: 400 }),
        ({ start, end }, weekdays, minutes, n) => {
          const r = rule({ id: 'r', weekdays, startTime: hhmm(start), endTime: hhmm(end) });
          const { date, weekday } = day(n);
          const listed = weekdays.length === 0 || weekdays.includes(weekday);
          expect(ruleInForce(r, { date, weekday, minutes })).toBe(
            listed && minutes >= start && minutes < end,
          );
        },
      ),
      runs(0x9a2, 500),
    );
  });
});

/** Zones without daylight saving time, and their fixed offsets in minutes. */
const FIXED_ZONES = [
  ['UTC', 0],
  ['Asia/Kolkata', 330],
  ['Asia/Kathmandu', 345],
  ['Pacific/Honolulu', -600],
  ['Asia/Tokyo', 540],
  ['America/Phoenix', -420],
] as const;

describe('weekday boundaries in the venue’s zone', () => {
  const instant = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) });

  it('venueMoment agrees with plain offset arithmetic in zones without DST', () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...FIXED_ZONES), (t, [zone, offset]) => {
        const local = new Date(t + offset * 60_000);
        expect(venueMoment(t, zone)).toEqual({
          date: local.toISOString().slice(0, 10),
          weekday: ((local.getUTCDay() + 6) % 7) + 1,
          minutes: local.getUTCHours() * 60 + local.getUTCMinutes(),
        });
      }),
      runs(0x9a3, 500),
    );
  });

  it('an all-day weekday rule switches exactly at the venue’s midnight, wherever the device is', () => {
    fc.assert(
      fc.property(
        instant,
        fc.constantFrom(...FIXED_ZONES),
        fc.integer({ min: 1, max: 7 }),
        (t, [zone, offset], w) => {
          const r = rule({ id: 'r', weekdays: [w] });
          const localWeekday = ((new Date(t + offset * 60_000).getUTCDay() + 6) % 7) + 1;
          const price = priceOf({ id: 'p', categoryId: 'c', priceCents: 1000, tagIds: [] }, [r], {
            at: t,
            timeZone: zone,
          });
          expect(price.priceCents).toBe(localWeekday === w ? 900 : 1000);
        },
      ),
      runs(0x9a4, 500),
    );
  });

  it('the weekday and the date of a venue moment always name the same day, DST zones included', () => {
    const zone = fc.constantFrom(
      'Europe/Berlin',
      'America/New_York',
      'Australia/Lord_Howe',
      'America/Santiago',
    );
    fc.assert(
      fc.property(instant, zone, (t, z) => {
        const m = venueMoment(t, z);
        const [y, mo, d] = m.date.split('-').map(Number);
        expect(((new Date(Date.UTC(y!, mo! - 1, d!)).getUTCDay() + 6) % 7) + 1).toBe(m.weekday);
        expect(m.minutes).toBeGreaterThanOrEqual(0);
        expect(m.minutes).toBeLessThan(1440);
      }),
      runs(0x9a5, 500),
    );
  });
});

describe('validity dates', () => {
  const dayIndex = fc.integer({ min: 1, max: 700 });

  it('an all-day rule is in force exactly on the days from validFrom to validUntil, both included', () => {
    fc.assert(
      fc.property(
        fc.option(dayIndex),
        fc.option(dayIndex),
        dayIndex,
        fc.integer({ min: 0, max: 1439 }),
        (f, u, n, minutes) => {
          fc.pre(f === null || u === null || f <= u);
          const r = rule({
            id: 'r',
            validFrom: f === null ? null : day(f).date,
            validUntil: u === null ? null : day(u).date,
          });
          const expected = (f === null || n >= f) && (u === null || n <= u);
          expect(ruleInForce(r, { ...day(n), minutes })).toBe(expected);
        },
      ),
      runs(0x9a6, 500),
    );
  });

  it('an overnight window counts its early hours on the day after validUntil, and not on validFrom', () => {
    fc.assert(
      fc.property(dayIndex, fc.integer({ min: 0, max: 30 }), (f, span) => {
        const u = f + span;
        const r = rule({
          id: 'r',
          startTime: '22:00',
          endTime: '03:00',
          validFrom: day(f).date,
          validUntil: day(u).date,
        });
        const early = (n: number) => ruleInForce(r, { ...day(n), minutes: 60 });
        const late = (n: number) => ruleInForce(r, { ...day(n), minutes: 23 * 60 });
        expect([early(f), early(u + 1), early(u + 2)]).toEqual([false, true, false]);
        expect([late(f - 1), late(f), late(u), late(u + 1)]).toEqual([false, true, true, false]);
      }),
      runs(0x9a7, 300),
    );
  });
});

describe('exclusivity', () => {
  const ruleArb = fc.record({
    id: fc.stringMatching(/^[a-e][0-9]$/),
    kind: fc.constantFrom('discount' as const, 'surcharge' as const),
    amountType: fc.constantFrom('percent' as const, 'fixed' as const),
    amount: fc.integer({ min: 1, max: 100 }),
    priority: fc.integer({ min: 0, max: 4 }),
    exclusive: fc.boolean(),
    tagged: fc.boolean(),
  });
  const rulesArb = fc
    .uniqueArray(ruleArb, { selector: (r) => r.id, maxLength: 8 })
    .map((list) =>
      list.map(({ tagged, ...r }) => rule({ ...r, scope: { ...noScope, tagIds: tagged ? ['t'] : [] } })),
    );
  const product = fc.record({
    id: fc.constant('p'),
    categoryId: fc.constant('c'),
    priceCents: fc.integer({ min: 0, max: 100_000 }),
    tagIds: fc.boolean().map((tagged): string[] => (tagged ? ['t'] : [])),
  });
  const now: VenueMoment = { date: '2024-05-15', weekday: 3, minutes: 720 };

  it('every matching rule either applied or was shut out by the one exclusive rule that applied', () => {
    fc.assert(
      fc.property(rulesArb, product, (rules, p) => {
        const { steps, shutOut } = applyRules(p, rulesInForce(rules, now), {});
        const matching = rules.filter((r) => r.scope.tagIds.length === 0 || p.tagIds.includes('t'));
        expect([...steps.map((s) => s.ruleId), ...shutOut.map((s) => s.ruleId)].sort()).toEqual(
          matching.map((r) => r.id).sort(),
        );
        const exclusiveSteps = steps.filter((s) => s.exclusive);
        expect(exclusiveSteps.length).toBeLessThanOrEqual(1);
        if (exclusiveSteps.length === 0) expect(shutOut).toEqual([]);
        else {
          const winner = exclusiveSteps[0]!;
          // The winner is the last step: nothing applies after it.
          expect(steps.at(-1)).toBe(winner);
          expect(shutOut.every((s) => s.byRuleId === winner.ruleId)).toBe(true);
          // Everything shut out ranks at or below it; every exclusive rule that matched and
          // ranks above the winner does not exist.
          for (const s of shutOut)
            expect(rules.find((r) => r.id === s.ruleId)!.priority).toBeLessThanOrEqual(winner.priority);
          const exclusiveMatching = matching.filter((r) => r.exclusive);
          expect(Math.max(...exclusiveMatching.map((r) => r.priority))).toBe(winner.priority);
        }
      }),
      runs(0x9a8, 500),
    );
  });

  it('the price is the steps applied in order, never negative, and the same for any order of the rule list', () => {
    fc.assert(
      fc.property(rulesArb, product, fc.infiniteStream(fc.nat()), (rules, p, noise) => {
        const price = applyRules(p, rulesInForce(rules, now), {});
        let running = p.priceCents;
        for (const s of price.steps) {
          expect(s.beforeCents).toBe(running);
          expect(s.afterCents).toBeGreaterThanOrEqual(0);
          running = s.afterCents;
        }
        expect(price.priceCents).toBe(running);
        const shuffled = rules
          .map((r) => ({ r, k: noise.next().value }))
          .sort((a, b) => a.k - b.k)
          .map((x) => x.r);
        expect(applyRules(p, rulesInForce(shuffled, now), {})).toEqual(price);
      }),
      runs(0x9a9, 300),
    );
  });
});
