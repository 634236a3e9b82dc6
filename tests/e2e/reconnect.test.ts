/**
 * The reconnect drills: a device that was offline while products changed and the server
 * restarted (new epoch) catches up without reloading what did not change; a server that
 * was wiped and reseeded makes the device reload everything.
 */
import { mkdirSync, rmSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppOnce, launchBrowser, newDevice } from '../helpers/browser';
import { exportedLog } from '../helpers/diagnostics';
import { startServer, type TestServer } from '../helpers/server';
import {
  apiClient,
  expectStatus,
  menuLines,
  money,
  screenshot,
  signIn,
  waitForServiceWorker,
} from './support';

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  await buildAppOnce();
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  ({ context, page } = await newDevice(browser, server.url));
  await page.goto('/');
  await signIn(page, server.adminPin);
  await waitForServiceWorker(page);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('reconnect drill', () => {
  it('after offline + API changes + a server restart, the device catches up and verifies digests', async () => {
    const before = await exportedLog(page);
    await page.goto('/#/menu');
    await context.setOffline(true);
    // Take the stream down too: offline emulation alone may leave an open connection alive.
    await server.restart();
    await expectStatus(page, 'Offline');

    const api = apiClient(server.url, await server.login());
    const products = await api.list('product');
    const espresso = products.find((p) => p.name === 'Espresso')!;
    // Its "Vegan" tag off too, so the demo's vegan-fortnight rule leaves the price as set.
    await api.update('product', espresso.id, { name: 'Espresso doppio', priceCents: 290, tagIds: [] });
    // Espresso's section, where no demo price rule reaches: the menu shows the base price.
    const created = await api.create('product', {
      name: 'Affogato',
      categoryId: espresso.categoryId,
      priceCents: 550,
    });
    await server.restart();

    await context.setOffline(false);
    await expectStatus(page, 'Online');
    await expect
      .poll(() => menuLines(page))
      .toEqual(expect.arrayContaining([`Espresso doppio ${money(290)}`, `Affogato ${money(550)}`]));
    expect(await page.locator(`[data-product-id="${created.id}"]`).count()).toBe(1);

    const after = (await exportedLog(page)).slice(before.length);
    const kinds = after.map((e) => `${e.kind}:${e.resource ?? ''}`);
    expect(kinds).toContain('epoch_changed:');
    // Products changed: caught up from the change log, not reloaded.
    expect(kinds).toContain('gap_caught_up:product');
    // Everything else: equal digests, kept as is under the new epoch.
    expect(kinds).toContain('digest_verified:category');
    expect(kinds).toContain('digest_verified:employee');
    const reloads = after.filter((e) =>
      ['snapshot', 'full_refresh', 'too_old_reload', 'digest_mismatch'].includes(e.kind),
    );
    expect(reloads).toEqual([]);
    await page.goto('/#/diagnostics');
    await screenshot(page, 'diagnostics-after-reconnect-landscape', true);
  });
});

describe('server wiped and reseeded', () => {
  it('makes the device reload everything and show the new data', async () => {
    const oldIds = await page.$$eval('[data-product-id]', (els) =>
      els.map((e) => e.getAttribute('data-product-id')),
    );
    await page.goto('/#/menu');
    await server.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
    mkdirSync(server.dataDir, { recursive: true });
    await server.restart();

    const api = apiClient(server.url, await server.login());
    const fresh = await api.list('product');
    const freshIds = fresh.filter((p) => p.active).map((p) => p.id);
    expect(freshIds.some((id) => oldIds.includes(id))).toBe(false);

    // The wiped server forgot this device's session: it asks for the PIN again, then reloads.
    await page.getByLabel('PIN').waitFor({ timeout: 20_000 });
    await signIn(page, server.adminPin);
    await expect
      .poll(async () =>
        (
          await page.$$eval('[data-product-id]', (els) => els.map((e) => e.getAttribute('data-product-id')))
        ).sort(),
      )
      .toEqual([...freshIds].sort());

    const log = await exportedLog(page);
    const lastEpoch = log.findLastIndex((e) => e.kind === 'epoch_changed' || e.kind === 'digest_mismatch');
    expect(lastEpoch).toBeGreaterThanOrEqual(0);
    const reloaded = new Set(
      log
        .filter((e) => ['digest_mismatch', 'full_refresh', 'snapshot'].includes(e.kind))
        .map((e) => e.resource),
    );
    for (const resource of ['product', 'category', 'tag', 'zone', 'dining_table', 'employee', 'role']) {
      expect(reloaded, `${resource} reloaded`).toContain(resource);
    }
    await expectStatus(page, 'Online');
  });
});
