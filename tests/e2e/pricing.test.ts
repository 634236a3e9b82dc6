/**
 * The menu staff sell from, in a real browser whose own clock zone (Asia/Tokyo) is not the
 * venue's (America/New_York): an exclusive tag rule and a category rule meet on one
 * product; the menu and the server's price preview agree for a generated set of rules and
 * times; and the price-rule form's "which rules apply" shows both answers agreeing.
 */
import fc from 'fast-check';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '../../src/shared/resources';
import type { PricePreview } from '../../src/shared/venue';
import { buildAppOnce, launchBrowser, newDevice, VIEWPORTS } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';
import { type ApiClient, apiClient, money, priceOn, screenshot, signIn } from './support';

const VENUE_ZONE = 'America/New_York';
const TABLET_ZONE = 'Asia/Tokyo';

let server: TestServer;
let browser: Browser;
let api: ApiClient;
let page: Page;
let bowls: Item<'category'>;
let sides: Item<'category'>;
let plant: Item<'tag'>;
let patio: Item<'zone'>;
let greenBowl: Item<'product'>;
let beefBowl: Item<'product'>;
let fries: Item<'product'>;

/** The server's answer for one product, zone and instant. */
async function serverPrice(productId: string, zoneId: string | null, at: number): Promise<PricePreview> {
  const query = new URLSearchParams({ productId, at: new Date(at).toISOString() });
  if (zoneId) query.set('zoneId', zoneId);
  const { status, body } = await api.call<PricePreview>('GET', `/api/price-preview?${query}`);
  expect(status).toBe(200);
  return body;
}

/** Opens the menu afresh so it prices at the page's clock now (the menu reads the clock when it mounts). */
async function openMenu(zoneId: string | null): Promise<void> {
  await page.goto('/#/floor');
  await page.locator('#floor-title').waitFor();
  await page.goto('/#/menu');
  await page.locator('#menu-title').waitFor();
  await page.getByLabel('Prices for').selectOption(zoneId ?? '');
}

const rule = (fields: Record<string, unknown>) => ({
  kind: 'discount',
  amountType: 'percent',
  amount: 10,
  scope: {},
  ...fields,
});

beforeAll(async () => {
  await buildAppOnce();
  [server, browser] = await Promise.all([
    startServer({ env: { RED_CORAL_TIMEZONE: VENUE_ZONE } }),
    launchBrowser(),
  ]);
  api = apiClient(server.url, await server.login());
  // The seed's rules are the demo's; these tests price a menu of their own.
  for (const r of await api.list('price_rule')) await api.remove('price_rule', r.id);
  bowls = await api.create('category', { name: 'Bowls', sortOrder: -20 });
  sides = await api.create('category', { name: 'Sides', sortOrder: -10 });
  plant = await api.create('tag', { name: 'Plant-based', color: '#2e9d5b' });
  patio = await api.create('zone', { name: 'Patio' });
  greenBowl = await api.create('product', {
    name: 'Green bowl',
    categoryId: bowls.id,
    priceCents: 1000,
    tagIds: [plant.id],
  });
  beefBowl = await api.create('product', { name: 'Beef bowl', categoryId: bowls.id, priceCents: 1290 });
  fries = await api.create('product', {
    name: 'Sweet fries',
    categoryId: sides.id,
    priceCents: 550,
    tagIds: [plant.id],
  });
  page = (await newDevice(browser, server.url, VIEWPORTS.landscape, TABLET_ZONE)).page;
  await signIn(page, server.adminPin);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('an exclusive tag rule and a category rule on one product', () => {
  it('the menu shows half price, named after the exclusive rule alone', async () => {
    const half = await api.create(
      'price_rule',
      rule({ name: 'Plant week', amount: 50, scope: { tagIds: [plant.id] }, exclusive: true, priority: 5 }),
    );
    const tenth = await api.create(
      'price_rule',
      rule({ name: 'Bowls 10 % off', scope: { categoryIds: [bowls.id] }, priority: 1 }),
    );
    try {
      await openMenu(null);
      await expect.poll(() => priceOn(page, greenBowl.id).textContent()).toBe(money(500));
      const card = page.locator(`[data-product-id="${greenBowl.id}"]`);
      expect(await card.locator('.product__base').textContent()).toBe(money(1000));
      expect(await card.locator('.product__rules').textContent()).toBe('Plant week');
      // The category rule still prices what the exclusive one does not cover.
      expect(await priceOn(page, beefBowl.id).textContent()).toBe(money(1161));
      expect(await priceOn(page, fries.id).textContent()).toBe(money(275));
      await screenshot(page, 'menu-exclusive-rule-landscape');
    } finally {
      await api.remove('price_rule', half.id);
      await api.remove('price_rule', tenth.id);
    }
  });
});

describe('the menu and the server’s preview', () => {
  it('agree for a generated set of rules and times, judged in the venue’s zone', async () => {
    // noBias: spread over the whole range, not fast-check's usual lean towards the bounds.
    const hhmm = fc.noBias(fc.integer({ min: 0, max: 47 })).map((half) => {
      const h = Math.floor(half / 2);
      return `${String(h).padStart(2, '0')}:${half % 2 ? '30' : '00'}`;
    });
    const ruleArb = fc.record({
      amount: fc.noBias(fc.integer({ min: 5, max: 60 })),
      kind: fc.constantFrom('discount', 'discount', 'surcharge'),
      amountType: fc.constantFrom('percent', 'percent', 'fixed'),
      priority: fc.noBias(fc.integer({ min: 0, max: 3 })),
      exclusive: fc.boolean(),
      scope: fc.constantFrom(
        {},
        { tagIds: [plant.id] },
        { categoryIds: [bowls.id] },
        { productIds: [fries.id] },
        { zoneIds: [patio.id] },
        { categoryIds: [sides.id], zoneIds: [patio.id] },
      ),
      weekdays: fc.oneof(
        fc.constant([]),
        fc.uniqueArray(fc.noBias(fc.integer({ min: 1, max: 7 })), { minLength: 2, maxLength: 5 }),
      ),
      window: fc.oneof(
        fc.constant(null),
        fc.tuple(hhmm, hhmm).filter(([a, b]) => a !== b),
      ),
      dates: fc.constantFrom(
        [null, null],
        [null, null],
        ['2024-05-14', null],
        [null, '2024-05-15'],
        ['2024-05-15', '2024-05-16'],
      ),
    });
    const [generated] = fc.sample(fc.array(ruleArb, { minLength: 8, maxLength: 8 }), {
      seed: 0x19,
      numRuns: 1,
    });
    const created: Item<'price_rule'>[] = [];
    for (const [i, g] of generated!.entries())
      created.push(
        await api.create(
          'price_rule',
          rule({
            name: `Generated ${i + 1}`,
            kind: g.kind,
            amountType: g.amountType,
            amount: g.amountType === 'fixed' ? g.amount * 10 : g.amount,
            priority: g.priority,
            exclusive: g.exclusive,
            scope: g.scope,
            weekdays: g.weekdays,
            startTime: g.window?.[0] ?? null,
            endTime: g.window?.[1] ?? null,
            validFrom: g.dates[0],
            validUntil: g.dates[1],
          }),
        ),
      );
    // Instants across three venue days around the rules' dates, at any minute of New York's day.
    const instants = fc.sample(
      fc.record({
        at: fc.noBias(
          fc.integer({ min: Date.parse('2024-05-14T04:00:00Z'), max: Date.parse('2024-05-17T04:00:00Z') }),
        ),
        patio: fc.boolean(),
      }),
      { seed: 0x1919, numRuns: 16 },
    );
    const answers: PricePreview[] = [];
    try {
      for (const { at, patio: onPatio } of instants) {
        const zoneId = onPatio ? patio.id : null;
        await page.clock.setFixedTime(at);
        await openMenu(zoneId);
        for (const product of [greenBowl, beefBowl, fries]) {
          const answer = await serverPrice(product.id, zoneId, at);
          answers.push(answer);
          const where = `${product.name} at ${new Date(at).toISOString()} (${answer.venueTime.date} ${answer.venueTime.minutes} min in New York)${onPatio ? ' on the patio' : ''}`;
          // Polled: the first instants may come before this device holds every generated rule.
          await expect
            .poll(() => priceOn(page, product.id).textContent(), { message: where })
            .toBe(money(answer.priceCents));
          const named = answer.steps.filter((s) => s.afterCents !== s.beforeCents).map((s) => s.name);
          const rules = page.locator(`[data-product-id="${product.id}"] .product__rules`);
          if (named.length === 0) expect(await rules.count(), where).toBe(0);
          else expect(await rules.textContent(), where).toBe(named.join(' · '));
        }
      }
      // The generated set exercised what it is for: stacking, exclusivity, zones, and no rule at all.
      expect(answers.some((a) => a.steps.length >= 2)).toBe(true);
      expect(answers.some((a) => a.shutOut.length > 0)).toBe(true);
      expect(answers.some((a) => a.zoneId !== null && a.steps.length > 0)).toBe(true);
      expect(answers.some((a) => a.steps.length === 0)).toBe(true);
    } finally {
      for (const r of created) await api.remove('price_rule', r.id);
      await page.clock.setSystemTime(Date.now());
    }
  });
});

describe('the price-rule form', () => {
  it('shows which rules apply: the server’s answer and this device’s agree, in the venue’s zone', async () => {
    const half = await api.create(
      'price_rule',
      rule({ name: 'Plant week', amount: 50, scope: { tagIds: [plant.id] }, exclusive: true, priority: 5 }),
    );
    const tenth = await api.create(
      'price_rule',
      rule({
        name: 'Bowls 10 % off',
        scope: { categoryIds: [bowls.id] },
        priority: 1,
        startTime: '17:00',
        endTime: '23:00',
      }),
    );
    try {
      for (const [size, viewport] of Object.entries(VIEWPORTS)) {
        await page.setViewportSize(viewport);
        await page.goto(`/#/manage/price_rule/${half.id}`);
        const preview = page.locator('section.preview');
        await preview.waitFor();
        expect(await preview.locator('.field__hint').textContent()).toContain(`(${VENUE_ZONE})`);
        await preview.getByLabel('Product', { exact: true }).selectOption(greenBowl.id);
        await preview.getByLabel('Day', { exact: true }).fill('2024-05-15');
        // 18:30 in New York, 07:30 the next morning on this tablet's own clock.
        await preview.getByLabel('Time', { exact: true }).fill('18:30');
        const verdict = preview.getByTestId('preview-verdict');
        await expect.poll(() => verdict.getAttribute('data-agree')).toBe('true');
        expect(await verdict.textContent()).toBe('The server and this device agree.');
        expect(await preview.getByTestId('preview-server').getAttribute('data-cents')).toBe('500');
        expect(await preview.getByTestId('preview-local').getAttribute('data-cents')).toBe('500');
        expect(await preview.getByTestId('preview-server').locator('li').allTextContents()).toEqual([
          `Plant week (−50 %, exclusive): ${money(1000)} → ${money(500)}`,
        ]);
        expect(await preview.getByTestId('preview-server').textContent()).toContain(
          'Not applied (shut out by an exclusive rule): Bowls 10 % off',
        );
        expect(await preview.locator('p.muted').first().textContent()).toBe(
          'Wed 2024-05-15, 18:30 at the venue',
        );
        // An unsaved change is priced on this device only, beside the saved answer.
        await page.getByLabel('Amount', { exact: true }).fill('40');
        await expect.poll(() => preview.getByTestId('preview-draft').getAttribute('data-cents')).toBe('600');
        await screenshot(page, `manage-price-rule-preview-${size}`, true);
      }
      // Outside the category rule's window nothing is shut out, and both sides still agree.
      await page.locator('section.preview').getByLabel('Time', { exact: true }).fill('12:00');
      const verdict = page.getByTestId('preview-verdict');
      await expect.poll(() => page.getByTestId('preview-server').textContent()).not.toContain('Not applied');
      await expect.poll(() => verdict.getAttribute('data-agree')).toBe('true');
    } finally {
      await page.setViewportSize(VIEWPORTS.landscape);
      await api.remove('price_rule', half.id);
      await api.remove('price_rule', tenth.id);
    }
  });
});
