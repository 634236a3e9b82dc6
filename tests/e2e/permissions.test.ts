/**
 * Who may change what: a waiter sees no Manage screen, and a write forged past the UI
 * is refused by the server (403) and shown as a plain sentence. A session the server
 * no longer knows (401) sends the device back to sign-in.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS } from '../../src/shared/resources';
import { buildAppOnce, launchBrowser, newDevice, VIEWPORTS } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';
import { type ApiClient, apiClient, expectStatus, screenshot, signIn } from './support';

const WAITER_PIN = '482913';

let server: TestServer;
let browser: Browser;
let api: ApiClient;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  await buildAppOnce();
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  api = apiClient(server.url, await server.login());
  const waiterRole = (await api.list('role')).find((r) => r.name === 'Waiter')!;
  expect(waiterRole.permissions).toEqual([]);
  await api.create('employee', { name: 'Wendy Waiter', roleId: waiterRole.id, pin: WAITER_PIN });
  ({ context, page } = await newDevice(browser, server.url));
  await page.goto('/');
  await signIn(page, WAITER_PIN);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('a waiter', () => {
  it('sees every screen but Manage', async () => {
    const tabs = await page.getByRole('navigation', { name: 'Screens' }).getByRole('link').allTextContents();
    expect(tabs).toEqual(['Menu', 'Floor', 'Staff', 'Printers', 'Diagnostics']);
    expect(await page.getByText('Wendy Waiter').count()).toBe(1);
  });

  it('opening Manage by its address says they may not change anything', async () => {
    await page.goto('/#/manage');
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe(
        'You are not allowed to change anything here. Your role can view the menu, floor, staff and printers.',
      );
    await page.goto('/#/manage/product');
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toMatch(/^You are not allowed to change products\./);
    expect(await page.locator('form.resource-form').count()).toBe(0);
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await screenshot(page, `manage-not-allowed-${size}`);
    }
    await page.setViewportSize(VIEWPORTS.landscape);
  });

  it('a write forged from the page gets 403 with a clear message from the server', async () => {
    const product = (await api.list('product'))[0]!;
    const answer = await page.evaluate(async (id) => {
      const response = await fetch(`/api/products/${id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ priceCents: 1 }),
      });
      return {
        status: response.status,
        body: (await response.json()) as { error: { code: string; message: string } },
      };
    }, product.id);
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('forbidden');
    expect(answer.body.error.message.length).toBeGreaterThan(10);
    expect((await api.list('product')).find((p) => p.id === product.id)?.priceCents).toBe(product.priceCents);
  });

  it('a device that forges its own permissions gets the 403 shown in the form, and nothing changes', async () => {
    // The device's copy of the permissions only decides what to show; the server decides what happens.
    await page.evaluate((all) => {
      const session = JSON.parse(localStorage.getItem('red-coral.session') ?? '{}');
      localStorage.setItem('red-coral.session', JSON.stringify({ ...session, permissions: all }));
    }, PERMISSIONS);
    const product = (await api.list('product')).find((p) => p.name === 'Margherita')!;
    await page.goto(`/#/manage/product/${product.id}`);
    await page.reload();
    await page.getByLabel('Price', { exact: true }).fill('0.50');
    const answer = page.waitForResponse((r) => r.request().method() === 'PATCH');
    await page.getByRole('button', { name: 'Save changes' }).click();
    expect((await answer).status()).toBe(403);
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe(
        'You are not allowed to change products. Ask a manager to give your role the “product.write” permission.',
      );
    await screenshot(page, 'manage-forbidden-landscape');
    expect((await api.list('product')).find((p) => p.id === product.id)?.priceCents).toBe(product.priceCents);
  });
});

describe('sessions', () => {
  it('a session the server ended sends the device back to sign-in with a notice', async () => {
    const token = await page.evaluate(
      () => JSON.parse(localStorage.getItem('red-coral.session') ?? '{}').token,
    );
    const { status } = await apiClient(server.url, token).call('POST', '/api/auth/logout');
    expect(status).toBe(200);
    await page.goto('/#/diagnostics');
    await page.getByRole('button', { name: 'Reload everything' }).click();
    await page.getByLabel('PIN').waitFor();
    expect(await page.getByText('Your session has ended. Please sign in again.').count()).toBe(1);
  });

  it('signing out returns to the PIN screen and stays there after a restart', async () => {
    await signIn(page, WAITER_PIN);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('PIN').waitFor();
    const again = await context.newPage();
    await again.goto('/');
    await again.getByLabel('PIN').waitFor();
    await again.close();
  });

  it('a wrong PIN is refused with a message and no session', async () => {
    await page.getByLabel('PIN').fill('000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('That PIN is not right. Try again.');
    await signIn(page, WAITER_PIN);
    await expectStatus(page, 'Online');
  });
});
