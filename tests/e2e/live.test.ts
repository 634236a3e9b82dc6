/**
 * Two devices at once: an edit made through the Manage screen on one shows up on the
 * other within a second, highlighted; and the generic form shows what the server refuses
 * (a dangling reference beside its field, 409 referenced, 412 edited meanwhile).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '../../src/shared/resources';
import { buildAppOnce, launchBrowser, newDevice, VIEWPORTS } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';
import {
  type ApiClient,
  apiClient,
  decimal,
  expectStatus,
  money,
  openForm,
  priceOn,
  screenshot,
  signIn,
} from './support';

let server: TestServer;
let browser: Browser;
let api: ApiClient;
let manager: Page;
let waiterView: Page;
let garlicBread: Item<'product'>;

beforeAll(async () => {
  await buildAppOnce();
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  api = apiClient(server.url, await server.login());
  const products = await api.list('product');
  garlicBread = products.find((p) => p.name === 'Garlic bread')!;
  manager = (await newDevice(browser, server.url)).page;
  waiterView = (await newDevice(browser, server.url, VIEWPORTS.portrait)).page;
  await Promise.all([signIn(manager, server.adminPin), signIn(waiterView, server.adminPin)]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('a change on one device', () => {
  it('appears on the other within 1 s, without a reload, and the row is highlighted', async () => {
    await waiterView.goto('/#/menu');
    await expect
      .poll(() => priceOn(waiterView, garlicBread.id).textContent())
      .toBe(money(garlicBread.priceCents));
    const navigations: string[] = [];
    waiterView.on('framenavigated', (f) => navigations.push(f.url()));

    await openForm(manager, `#/manage/product/${garlicBread.id}`);
    const newCents = garlicBread.priceCents + 135;
    await manager.getByLabel('Price', { exact: true }).fill(decimal(newCents));
    const saved = manager.waitForResponse(
      (r) => r.request().method() === 'PATCH' && r.url().includes(garlicBread.id),
    );
    await manager.getByRole('button', { name: 'Save changes' }).click();
    expect((await saved).status()).toBe(200);
    const savedAt = Date.now();

    await waiterView.waitForFunction(
      ([id, text]) =>
        document.querySelector(`[data-product-id="${id}"] [data-testid="price"]`)?.textContent === text,
      [garlicBread.id, money(newCents)] as const,
      // timing: "every device shows the change within a second" is what this test asserts.
      { timeout: 1_000, polling: 20 },
    );
    expect(Date.now() - savedAt).toBeLessThan(1_000);
    expect(await waiterView.locator(`[data-product-id="${garlicBread.id}"]`).getAttribute('class')).toContain(
      'flash',
    );
    expect(navigations).toEqual([]);
    await expect.poll(() => manager.getByRole('status').filter({ hasText: 'Saved' }).count()).toBe(1);
    expect((await api.list('product')).find((p) => p.id === garlicBread.id)?.priceCents).toBe(newCents);
  });
});

describe('create and delete through the one generic form', () => {
  it('a zone created on one device shows on the other, and its deletion too', async () => {
    await waiterView.goto('/#/floor');
    await openForm(manager, '#/manage/zone/new');
    await manager.getByRole('button', { name: 'Create zone' }).click();
    const nameField = manager.locator('.field', { has: manager.getByLabel('Name', { exact: true }) });
    await expect.poll(() => nameField.locator('.field__error').textContent()).toBe('Must not be empty');
    await manager.getByLabel('Name', { exact: true }).fill('Garden');
    await manager.getByRole('button', { name: 'Create zone' }).click();
    const zoneChip = waiterView.getByRole('button', { name: /^Garden/ });
    await zoneChip.waitFor();
    const created = (await api.list('zone')).find((z) => z.name === 'Garden')!;
    expect(manager.url()).toContain(`#/manage/zone/${created.id}`);

    await manager.getByRole('button', { name: 'Delete' }).click();
    await manager.getByRole('button', { name: 'Yes, delete Garden' }).click();
    await zoneChip.waitFor({ state: 'detached' });
    expect((await api.list('zone')).some((z) => z.name === 'Garden')).toBe(false);
  });

  it('a required reference left unchosen asks for a choice', async () => {
    await openForm(manager, '#/manage/dining_table/new');
    await manager.getByLabel('Name', { exact: true }).fill('T99');
    await manager.getByRole('button', { name: 'Create table' }).click();
    const zoneField = manager.locator('.field', { has: manager.getByLabel('Zone', { exact: true }) });
    await expect.poll(() => zoneField.locator('.field__error').textContent()).toBe('Choose a zone');
  });
});

describe('the Manage form shows what the server refuses', () => {
  it('puts a validation message beside its field (client-side, same schema as the server)', async () => {
    await openForm(manager, `#/manage/product/${garlicBread.id}`);
    await manager.getByLabel('Name', { exact: true }).fill('   ');
    await manager.getByRole('button', { name: 'Save changes' }).click();
    const nameField = manager.locator('.field', { has: manager.getByLabel('Name', { exact: true }) });
    await expect.poll(() => nameField.locator('.field__error').textContent()).toBe('Must not be empty');
  });

  it("puts the server's invalid_reference answer beside the Category field", async () => {
    const doomed = await api.create('category', { name: 'Seasonal (temporary)' });
    await openForm(manager, `#/manage/product/${garlicBread.id}`);
    const category = manager.getByLabel('Category', { exact: true });
    await expect.poll(() => category.locator('option', { hasText: 'Seasonal (temporary)' }).count()).toBe(1);
    await category.selectOption(doomed.id);
    // Someone deletes the category while this form is open.
    await api.remove('category', doomed.id);
    const answer = manager.waitForResponse((r) => r.request().method() === 'PATCH');
    await manager.getByRole('button', { name: 'Save changes' }).click();
    expect((await answer).status()).toBe(400);
    const field = manager.locator('.field', { has: category });
    await expect
      .poll(() => field.locator('.field__error').textContent())
      .toBe('The chosen category no longer exists; someone deleted it. Choose another.');
    await screenshot(manager, 'manage-server-validation-landscape');
  });

  it('says which items still use a category it refuses to delete (409)', async () => {
    const starters = (await api.list('category')).find((c) => c.name === 'Starters')!;
    await openForm(manager, `#/manage/category/${starters.id}`);
    await manager.getByRole('button', { name: 'Delete' }).click();
    const answer = manager.waitForResponse((r) => r.request().method() === 'DELETE');
    await manager.getByRole('button', { name: 'Yes, delete Starters' }).click();
    expect((await answer).status()).toBe(409);
    const alert = manager.getByRole('alert');
    await expect
      .poll(() => alert.textContent())
      .toBe(
        'This category is still used by 12 products (Beef carpaccio, Bruschetta al pomodoro, Burrata with tomatoes and 9 more). Change those first.',
      );
  });

  it('explains a 412 when the item changed on another device meanwhile, and loads their version', async () => {
    await openForm(manager, `#/manage/product/${garlicBread.id}`);
    await manager.getByLabel('Name', { exact: true }).waitFor();
    await api.update('product', garlicBread.id, { name: 'Garlic bread (large)' });
    await manager.getByText('Changed on another device since you opened it.').waitFor();
    await manager.getByLabel('Price', { exact: true }).fill('5.00');
    const answer = manager.waitForResponse((r) => r.request().method() === 'PATCH');
    await manager.getByRole('button', { name: 'Save changes' }).click();
    expect((await answer).status()).toBe(412);
    await manager
      .getByText('Someone else changed this product while you were editing.', { exact: false })
      .waitFor();
    await screenshot(manager, 'manage-conflict-landscape');
    await manager.getByRole('button', { name: 'Load their version' }).click();
    expect(await manager.getByLabel('Name', { exact: true }).inputValue()).toBe('Garlic bread (large)');
    await expectStatus(manager, 'Online');
  });
});
