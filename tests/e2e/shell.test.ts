/**
 * The installable offline shell: first visit, service worker, manifest, every screen at
 * both tablet sizes, and the offline drill (server gone, device offline, reload).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppOnce, launchBrowser, newDevice, VIEWPORTS } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';
import {
  apiClient,
  expectStatus,
  menuLines,
  screenshot,
  signIn,
  syncStatus,
  waitForServiceWorker,
} from './support';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  // The server serves dist/ only if it exists when it starts, so build first.
  await buildAppOnce();
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  ({ context, page } = await newDevice(browser, server.url));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('first visit', () => {
  it('signs in with the PIN pad, syncs every type, and the service worker takes control', async () => {
    await page.goto('/');
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await screenshot(page, `sign-in-${size}`);
    }
    await page.setViewportSize(VIEWPORTS.landscape);
    await signIn(page, server.adminPin);
    await waitForServiceWorker(page);

    const products = await apiClient(server.url, await server.login()).list('product');
    await expect
      .poll(async () => (await page.$$('[data-product-id]')).length)
      .toBe(products.filter((p) => p.active).length);

    await page.goto('/#/diagnostics');
    const rows = page.locator('tr[data-resource]');
    await expect.poll(() => rows.count()).toBe(10);
    for (const row of await rows.all()) {
      const [local, remote] = (await row.getByTestId('versions').textContent())!.split(' / ');
      expect(local).toBe(remote);
      const [localDigest, remoteDigest] = await row.getByTestId('digests').locator('code').allTextContents();
      expect(localDigest).toBe(remoteDigest);
    }
    expect(await page.getByTestId('local-epoch').textContent()).toBe(await server.epoch());
    await page.getByRole('button', { name: 'Check now' }).click();
    await expect
      .poll(() => page.locator('[aria-label="Sync log"] [data-kind="check"]').first().textContent())
      .toContain('manual');
  });

  it('is installable: the manifest parses and Chromium lists no installability errors', async () => {
    const cdp = await context.newCDPSession(page);
    const manifest = await cdp.send('Page.getAppManifest');
    expect(manifest.errors).toEqual([]);
    const parsed = JSON.parse(manifest.data ?? '{}') as Record<string, unknown>;
    expect(parsed).toMatchObject({
      name: 'Red Coral POS',
      short_name: 'Red Coral',
      display: 'standalone',
      start_url: '/',
    });
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    expect(installabilityErrors).toEqual([]);
    await cdp.detach();
  });

  it('keeps the session across an app restart: a new window opens straight to the data', async () => {
    const again = await context.newPage();
    await again.goto('/');
    await expectStatus(again, 'Online');
    await expect.poll(async () => (await again.$$('[data-product-id]')).length).toBeGreaterThan(0);
    expect(await again.getByLabel('PIN').count()).toBe(0);
    await again.close();
  });
});

describe('every screen at 768×1024 and 1280×800', () => {
  it('renders each screen with 44 px touch targets and saves a screenshot', async () => {
    const api = apiClient(server.url, await server.login());
    const [product] = await api.list('product');
    const [rule] = await api.list('price_rule');
    const [attribute] = await api.list('attribute');
    const screens: Record<string, string> = {
      menu: '/#/menu',
      floor: '/#/floor',
      staff: '/#/staff',
      printers: '/#/printers',
      manage: '/#/manage/product',
      'manage-product-form': `/#/manage/product/${product!.id}`,
      'manage-price-rule-form': `/#/manage/price_rule/${rule!.id}`,
      'manage-attribute-form': `/#/manage/attribute/${attribute!.id}`,
      diagnostics: '/#/diagnostics',
    };
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      for (const [name, url] of Object.entries(screens)) {
        await page.goto(url);
        await page.locator('.screen').first().waitFor();
        // Nothing wider than the screen: no sideways scrolling on a tablet.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${name} at ${size} scrolls sideways`).toBeLessThanOrEqual(0);
        const small = await page.$$eval(
          'button:not(.chip__count), a.button, a.tabs__tab, .chip, select',
          (els) =>
            els
              .filter((e) => (e as HTMLElement).offsetParent !== null)
              .filter((e) => e.getBoundingClientRect().height < 44)
              .map((e) => e.textContent),
        );
        expect(small, `${name} at ${size}: targets under 44 px`).toEqual([]);
        await screenshot(page, `${name}-${size}`);
      }
    }
    await page.setViewportSize(VIEWPORTS.landscape);
  });
});

describe('updates', () => {
  it('a new version waits for the user: "Update available — reload" reloads once, and only when tapped', async () => {
    const swPath = join(projectRoot, 'dist', 'sw.js');
    const original = readFileSync(swPath, 'utf8');
    try {
      // A new deploy: the worker script changes byte-wise, so the browser installs it beside the old one.
      writeFileSync(swPath, `${original}\n// next version ${Date.now()}\n`);
      await page.goto('/#/menu');
      await page.reload();
      await page.evaluate(() => {
        (window as unknown as { stillHere: boolean }).stillHere = true;
      });
      const prompt = page.getByRole('button', { name: 'Update available — reload' });
      await prompt.waitFor({ timeout: 15_000 });
      // wait-ok: an observation window: the page must not reload on its own meanwhile.
      await page.waitForTimeout(1_000);
      // Nothing reloaded on its own: the marker set on this page is still there.
      expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
      await screenshot(page, 'update-prompt-landscape');

      let loads = 0;
      page.on('load', () => {
        loads++;
      });
      await prompt.click();
      await expect.poll(() => loads, { timeout: 10_000 }).toBe(1);
      await expectStatus(page, 'Online');
      // wait-ok: an observation window: no second reload may follow.
      await page.waitForTimeout(1_500);
      expect(loads).toBe(1);
      expect(
        await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere),
      ).toBeUndefined();
      expect(await prompt.count()).toBe(0);
    } finally {
      writeFileSync(swPath, original);
    }
  });
});

describe('offline drill', () => {
  it('with the server stopped and the device offline, a reload boots the app and shows the same menu', async () => {
    await page.goto('/#/menu');
    await expectStatus(page, 'Online');
    const before = await menuLines(page);
    expect(before.length).toBeGreaterThan(0);

    await server.stop();
    await context.setOffline(true);
    await page.reload();
    await expectStatus(page, 'Offline');
    await expect.poll(() => menuLines(page)).toEqual(before);
    await expect.poll(() => page.locator('#sync-age').textContent()).toMatch(/^· data from /);
    await screenshot(page, 'menu-offline-landscape');

    // A cold start: a brand-new window with no page in memory.
    await page.close();
    page = await context.newPage();
    await page.goto('/');
    await expectStatus(page, 'Offline');
    await expect.poll(() => menuLines(page)).toEqual(before);
  });

  it('when the API answers again the service worker posts network-back and the page goes online', async () => {
    await page.evaluate(() => {
      const w = window as unknown as { swMessages: unknown[] };
      w.swMessages = [];
      navigator.serviceWorker.addEventListener('message', (e) => w.swMessages.push(e.data));
    });
    await server.restart();
    await context.setOffline(false);
    await page.waitForFunction(
      () =>
        (window as unknown as { swMessages: { type?: string }[] }).swMessages.some(
          (m) => m.type === 'network-back',
        ),
      undefined,
      { timeout: 15_000 },
    );
    await expectStatus(page, 'Online');
    await expect(syncStatus(page)).toBeDefined();
  });
});
