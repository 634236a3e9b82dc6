/**
 * The venue network as a set-up tablet sees it (issue #12): Chromium trusts the venue CA
 * through its NSS database (no --ignore-certificate-errors) and reaches the server by a
 * name that is not localhost. Over HTTPS the app is a secure context with a service
 * worker, installable, live, and boots offline; over plain HTTP it shows the lasting
 * notice whose move button waits until this device's outbox is empty.
 */
import { rmSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '../../src/shared/resources';
import { buildAppOnce, launchBrowser, newDevice, VIEWPORTS } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';
import { fetchTrusting, homeTrusting } from '../helpers/tls';
import {
  type ApiClient,
  apiClient,
  decimal,
  expectStatus,
  menuLines,
  money,
  openForm,
  productsNoRuleTouches,
  screenshot,
  signIn,
  waitForServiceWorker,
} from './support';

const NAME = 'venue.test';

let server: TestServer;
let browser: Browser;
let home: string;
let api: ApiClient;
let secureUrl: string;
let plainUrl: string;
/** Content-Security-Policy violations any page reported. */
const violations: string[] = [];

/** "12.50" for 1250, as the app shows it. */

function watchConsole(page: Page): void {
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
}

async function device(
  baseURL: string,
  viewport: { width: number; height: number } = VIEWPORTS.landscape,
): Promise<{ context: BrowserContext; page: Page }> {
  const opened = await newDevice(browser, baseURL, viewport);
  watchConsole(opened.page);
  return opened;
}

beforeAll(async () => {
  await buildAppOnce();
  server = await startServer({ tls: true, env: { RED_CORAL_TLS_NAMES: NAME } });
  home = homeTrusting(server.ca());
  browser = await launchBrowser({
    args: [`--host-resolver-rules=MAP ${NAME} 127.0.0.1`],
    env: { ...process.env, HOME: home },
  });
  secureUrl = `https://${NAME}:${server.httpsPort}`;
  plainUrl = `http://${NAME}:${server.port}`;
  const secure = fetchTrusting(server.ca());
  const login = await secure(`${server.httpsUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pin: server.adminPin }),
  });
  api = apiClient(server.httpsUrl!, ((await login.json()) as { token: string }).token, secure);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe(`https://${NAME}, trusted through the venue CA`, () => {
  let context: BrowserContext;
  let page: Page;

  it('is a secure context: the service worker controls the page, and Chromium lists no installability errors', async () => {
    ({ context, page } = await device(secureUrl));
    await page.goto('/');
    expect(await page.evaluate(() => window.isSecureContext)).toBe(true);
    expect(await page.getByRole('complementary', { name: 'Not a secure address' }).count()).toBe(0);
    await signIn(page, server.adminPin);
    await waitForServiceWorker(page);
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    expect(installabilityErrors).toEqual([]);
    const manifest = await cdp.send('Page.getAppManifest');
    expect(manifest.errors).toEqual([]);
    await cdp.detach();
    await screenshot(page, 'venue-https-menu-landscape');
  });

  it('shows an edit made on another device within 1 s', async () => {
    const dish = (await productsNoRuleTouches(api))[0]!;
    await page.goto('/#/menu');
    await expect
      .poll(() => page.locator(`[data-product-id="${dish.id}"] [data-testid="price"]`).textContent(), {
        timeout: 15_000,
      })
      .toBe(money(dish.priceCents));
    const newCents = dish.priceCents + 240;
    await api.update('product', dish.id, { priceCents: newCents });
    const savedAt = Date.now();
    await page.waitForFunction(
      ([id, text]) =>
        document.querySelector(`[data-product-id="${id}"] [data-testid="price"]`)?.textContent === text,
      [dish.id, money(newCents)] as const,
      // timing: "an edit on another device within 1 s" is what this test asserts.
      { timeout: 1_000, polling: 20 },
    );
    expect(Date.now() - savedAt).toBeLessThan(1_000);
  });

  it('with the server stopped and the device offline, a cold start shows the menu; back online it converges', async () => {
    await page.goto('/#/menu');
    await expectStatus(page, 'Online');
    const before = await menuLines(page);
    expect(before.length).toBeGreaterThan(0);

    await server.stop();
    await context.setOffline(true);
    await page.close();
    page = await context.newPage();
    watchConsole(page);
    await page.goto('/#/menu');
    await expectStatus(page, 'Offline');
    await expect.poll(() => menuLines(page), { timeout: 15_000 }).toEqual(before);
    await screenshot(page, 'venue-https-offline-landscape');

    // The server really is gone while the menu shows.
    await expect(api.list('product')).rejects.toThrow();
    await server.start();
    const dish = (await api.list('product')).find((p) => p.active)!;
    await api.update('product', dish.id, { name: `${dish.name} (back)` });
    await context.setOffline(false);
    await expectStatus(page, 'Online', 30_000);
    await page.goto('/#/diagnostics');
    const rows = page.locator('tr[data-resource]');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(10);
    // Converged: every type's local version and digest equal the server's.
    const differing = async () => {
      const out: string[] = [];
      for (const row of await rows.all()) {
        const [local, remote] = (await row.getByTestId('versions').textContent())!.split(' / ');
        const [localDigest, serverDigest] = await row
          .getByTestId('digests')
          .locator('code')
          .allTextContents();
        if (local !== remote || localDigest !== serverDigest)
          out.push((await row.getAttribute('data-resource'))!);
      }
      return out;
    };
    await expect.poll(differing, { timeout: 30_000 }).toEqual([]);
    await context.close();
  });
});

describe(`http://${NAME}, the plain port`, () => {
  let context: BrowserContext;
  let page: Page;
  let dish: Item<'product'>;
  const notice = () => page.getByRole('complementary', { name: 'Not a secure address' });
  const move = () => notice().getByRole('button', { name: 'Move to the secure address' });

  it('shows the notice on the sign-in screen, with its link to /setup', async () => {
    ({ context, page } = await device(plainUrl, VIEWPORTS.portrait));
    await page.goto('/');
    expect(await page.evaluate(() => window.isSecureContext)).toBe(false);
    await notice().waitFor({ timeout: 15_000 });
    expect(await notice().textContent()).toContain('This address is not secure.');
    const link = notice().getByRole('link', { name: 'Set up this tablet' });
    expect(await link.getAttribute('href')).toBe('/setup');
    await expect.poll(() => move().isEnabled(), { timeout: 15_000 }).toBe(true);
    await screenshot(page, 'insecure-sign-in-portrait');
    await link.click();
    await page.waitForURL(`${plainUrl}/setup`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Set up a tablet');
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `/setup at ${size} scrolls sideways`).toBeLessThanOrEqual(0);
      await screenshot(page, `setup-${size}`, true);
    }
    await page.setViewportSize(VIEWPORTS.portrait);
  });

  it('keeps the move button waiting while an edit made offline is pending, and enables it once it is sent', async () => {
    await page.goto('/');
    await signIn(page, server.adminPin);
    await notice().waitFor();
    await expect.poll(() => move().isEnabled(), { timeout: 15_000 }).toBe(true);

    dish = (await productsNoRuleTouches(api))[0]!;
    await context.setOffline(true);
    // The emulation leaves an open event stream alone; a restart ends it.
    await server.restart();
    await expectStatus(page, 'Offline', 30_000);
    await openForm(page, `#/manage/product/${dish.id}`);
    const newCents = dish.priceCents + 55;
    await page.getByLabel('Price', { exact: true }).fill(decimal(newCents));
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved on this device.' }).waitFor();

    await page.goto('/#/menu');
    await expect.poll(() => move().isDisabled(), { timeout: 15_000 }).toBe(true);
    expect(await notice().getByRole('status').textContent()).toBe(
      'Waiting for 1 change on this device to be sent…',
    );
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'insecure-waiting-portrait');

    await context.setOffline(false);
    await expect.poll(() => move().isEnabled(), { timeout: 60_000 }).toBe(true);
    expect((await api.list('product')).find((p) => p.id === dish.id)?.priceCents).toBe(newCents);
  });

  it('then moves to the same name on the HTTPS port, where the app is a secure context', async () => {
    await page.goto('/#/menu');
    await move().click();
    await page.waitForURL(`${secureUrl}/#/menu`, { timeout: 15_000 });
    expect(await page.evaluate(() => window.isSecureContext)).toBe(true);
    await page.getByLabel('PIN').waitFor();
    expect(await notice().count()).toBe(0);
    await context.close();
  });

  it('no page reported a Content-Security-Policy violation', () => {
    expect(violations).toEqual([]);
  });
});
