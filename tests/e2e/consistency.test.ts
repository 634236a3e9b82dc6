/**
 * No half-synced screen: a device that missed the creation of a category and a product in
 * it (a zone and a table in it) catches up type by type, and its screens never render the
 * product without its category, or the table without its zone, even when the referenced
 * type's catch-up is answered last. A MutationObserver in the page records every render of
 * the lists while the device catches up.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResourceName } from '../../src/shared/resources';
import { buildAppOnce, launchBrowser, newDevice } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';
import { type ApiClient, apiClient, expectStatus, signIn } from './support';

let server: TestServer;
let browser: Browser;
let api: ApiClient;

interface Device {
  context: BrowserContext;
  page: Page;
}

beforeAll(async () => {
  await buildAppOnce();
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  api = apiClient(server.url, await server.login());
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function device(hash: string): Promise<Device> {
  const d = await newDevice(browser, server.url);
  await signIn(d.page, server.adminPin);
  await d.page.goto(`/${hash}`);
  return d;
}

/** Whether this device's IndexedDB holds the item (the store shows it right after storing it). */
function stored(page: Page, resource: ResourceName, id: string): Promise<boolean> {
  return page.evaluate(
    ([table, key]) =>
      new Promise<boolean>((resolve, reject) => {
        const open = indexedDB.open('red-coral');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const get = db.transaction(table, 'readonly').objectStore(table).get(key);
          get.onsuccess = () => {
            db.close();
            resolve(get.result !== undefined);
          };
          get.onerror = () => reject(get.error);
        };
      }),
    [resource, id] as const,
  );
}

/** Two painted frames: whatever the stores published has been rendered and shown. */
const twoFrames = (page: Page) =>
  page.evaluate(
    () => new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => done()))),
  );

/**
 * Records, on every DOM change, the text of the element matching `selector` when there is
 * one (`closest` reads an ancestor's label instead), into window.__frames.
 */
async function recordFrames(page: Page, selector: string, closest: string | null): Promise<void> {
  await page.evaluate(
    ([sel, up]) => {
      const frames: string[] = [];
      (window as unknown as { __frames: string[] }).__frames = frames;
      const look = () => {
        const el = document.querySelector(sel);
        if (!el) return;
        frames.push(
          up ? (el.closest(up)?.getAttribute('aria-label') ?? '(no section)') : (el.textContent ?? ''),
        );
      };
      new MutationObserver(look).observe(document.body, {
        subtree: true,
        childList: true,
        characterData: true,
      });
    },
    [selector, closest] as const,
  );
}

const framesOf = (page: Page) => page.evaluate(() => (window as unknown as { __frames: string[] }).__frames);

/**
 * Takes the devices offline (and restarts the server to end their streams), runs `create`
 * on the server, and brings them back with the event stream refused, so they catch up
 * type by type; each device's catch-up of
 * `late` (changes or snapshot) is answered only once its `early` item is stored and two
 * frames were painted: the worst order a catch-up can come in.
 */
async function catchUpLateLast(
  devices: Device[],
  late: { resource: ResourceName; collection: string },
  early: { resource: ResourceName; id: string },
  create: () => Promise<void>,
): Promise<{ releasedAfterEarly: boolean[] }> {
  for (const d of devices) {
    await d.page.route('**/api/sync/events*', (route) => route.abort());
    await d.context.setOffline(true);
  }
  // The restart drops the event streams the offline emulation may leave open.
  await server.restart();
  for (const d of devices) await expectStatus(d.page, 'Offline');
  await create();
  const releasedAfterEarly = devices.map(() => false);
  await Promise.all(
    devices.map((d, i) =>
      d.page.route(
        (url) =>
          (url.pathname === '/api/sync/changes' && url.searchParams.get('resource') === late.resource) ||
          url.pathname === late.collection,
        async (route) => {
          await expect.poll(() => stored(d.page, early.resource, early.id)).toBe(true);
          await twoFrames(d.page);
          releasedAfterEarly[i] = true;
          await route.continue();
        },
      ),
    ),
  );
  for (const d of devices) await d.context.setOffline(false);
  return { releasedAfterEarly };
}

async function restore(devices: Device[]): Promise<void> {
  for (const d of devices) {
    await d.page.unrouteAll({ behavior: 'ignoreErrors' });
    await d.context.close();
  }
}

describe('a device catching up type by type', () => {
  it('never shows a new product before its new category, on the Manage list or the menu', async () => {
    const manage = await device('#/manage/product');
    const menu = await device('#/menu');
    const devices = [manage, menu];
    await manage.page.locator('.manage__list [data-item-id]').first().waitFor();
    await menu.page.locator('[data-product-id]').first().waitFor();
    const suffix = crypto.randomUUID().slice(0, 8);
    const category = { id: `cat-${suffix}`, name: 'Night market' };
    const product = { id: `prod-${suffix}`, name: 'Bao buns' };
    await recordFrames(manage.page, `[data-item-id="${product.id}"]`, null);
    await recordFrames(menu.page, `[data-product-id="${product.id}"]`, '.menu__section');
    try {
      const { releasedAfterEarly } = await catchUpLateLast(
        devices,
        { resource: 'category', collection: '/api/categories' },
        { resource: 'product', id: product.id },
        async () => {
          await api.create('category', { ...category, sortOrder: -100 });
          await api.create('product', {
            id: product.id,
            name: product.name,
            categoryId: category.id,
            priceCents: 850,
          });
        },
      );
      await manage.page.locator(`[data-item-id="${product.id}"]`).waitFor();
      await menu.page.locator(`[data-product-id="${product.id}"]`).waitFor();
      // The order was the worst one: the product was on each device before its category was let through.
      expect(releasedAfterEarly).toEqual([true, true]);
      const listed = await framesOf(manage.page);
      expect(listed.length).toBeGreaterThan(0);
      for (const text of listed) expect(text).toContain(category.name);
      const sections = await framesOf(menu.page);
      expect(sections.length).toBeGreaterThan(0);
      expect(new Set(sections)).toEqual(new Set([category.name]));
    } finally {
      await restore(devices);
    }
  });

  it('never shows a new table before its new zone', async () => {
    const manage = await device('#/manage/dining_table');
    await manage.page.locator('.manage__list [data-item-id]').first().waitFor();
    const suffix = crypto.randomUUID().slice(0, 8);
    const zone = { id: `zone-${suffix}`, name: 'Rooftop' };
    const table = { id: `table-${suffix}`, name: 'R1' };
    await recordFrames(manage.page, `[data-item-id="${table.id}"]`, null);
    try {
      const { releasedAfterEarly } = await catchUpLateLast(
        [manage],
        { resource: 'zone', collection: '/api/zones' },
        { resource: 'dining_table', id: table.id },
        async () => {
          await api.create('zone', zone);
          await api.create('dining_table', { ...table, zoneId: zone.id, seats: 4, x: 100, y: 100 });
        },
      );
      await manage.page.locator(`[data-item-id="${table.id}"]`).waitFor();
      expect(releasedAfterEarly).toEqual([true]);
      const listed = await framesOf(manage.page);
      expect(listed.length).toBeGreaterThan(0);
      for (const text of listed) expect(text).toContain(zone.name);
    } finally {
      await restore([manage]);
    }
  });
});
