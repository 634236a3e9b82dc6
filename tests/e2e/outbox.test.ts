/**
 * Offline edits that are never lost, in Chromium against the real server: edits made with
 * the Wi-Fi down survive closing the app and reach the server exactly once when it is back
 * (a second device then shows them); an edit that collides with a change made meanwhile on
 * another device is shown as a conflict instead of overwriting either side; and a server
 * killed in the middle of a replay ends, after its restart, with every change applied once.
 */
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncStatus } from '../../src/shared/protocol';
import type { Item } from '../../src/shared/resources';
import { buildAppOnce, launchBrowser, newDevice } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';
import {
  type ApiClient,
  apiClient,
  decimal,
  expectStatus,
  money,
  openForm,
  screenshot,
  signIn,
  waitForServiceWorker,
} from './support';

let server: TestServer;
let browser: Browser;
let api: ApiClient;
let tablet: BrowserContext;
let page: Page;
let secondDevice: Page;
let products: Item<'product'>[];

const productVersion = async () =>
  ((await (await fetch(`${server.url}/api/sync/status`)).json()) as SyncStatus).versions.product;
const pendingPanel = () => page.getByRole('region', { name: 'Pending changes' });

/** Sets a product's price through the Manage form, with no server to send it to. */
async function editPriceOffline(id: string, cents: number): Promise<void> {
  await openForm(page, `#/manage/product/${id}`);
  await page.getByLabel('Price', { exact: true }).fill(decimal(cents));
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved on this device.' }).waitFor();
}

/** Takes the tablet off the network; the restart drops the event stream the emulation may leave open. */
async function goOffline(): Promise<void> {
  await tablet.setOffline(true);
  await server.restart();
  await expectStatus(page, 'Offline');
}

/** The server's products by id. */
async function serverProducts(): Promise<Map<string, Item<'product'>>> {
  return new Map((await api.list('product')).map((p) => [p.id, p]));
}

beforeAll(async () => {
  await buildAppOnce();
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  api = apiClient(server.url, await server.login());
  products = (await api.list('product')).slice(0, 10);
  ({ context: tablet, page } = await newDevice(browser, server.url));
  secondDevice = (await newDevice(browser, server.url)).page;
  await Promise.all([signIn(page, server.adminPin), signIn(secondDevice, server.adminPin)]);
  await waitForServiceWorker(page);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('edits made offline', () => {
  it('survive closing the app and reach the server exactly once, and a second device shows them', async () => {
    const [a, b, c] = products;
    const doomed = await api.create('product', {
      name: 'Outbox special',
      categoryId: a!.categoryId,
      priceCents: 990,
    });
    await secondDevice.goto('/#/manage/product');
    await secondDevice.locator(`[data-item-id="${doomed.id}"]`).waitFor();
    const before = await productVersion();

    // The Wi-Fi drops and the server goes away too.
    await tablet.setOffline(true);
    await server.stop();
    await expectStatus(page, 'Offline');
    await editPriceOffline(a!.id, 1111);
    await editPriceOffline(b!.id, 2222);
    await editPriceOffline(c!.id, 3333);
    await openForm(page, `#/manage/product/${doomed.id}`);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Yes, delete Outbox special' }).click();
    await page.waitForURL(/#\/manage\/product$/);
    expect(await page.getByTestId('pending-summary').textContent()).toBe('4 changes waiting to be sent');

    // Close the app and open it again, still offline: the outbox and its changes are still shown.
    await page.close();
    page = await tablet.newPage();
    await page.goto('/#/manage/product');
    await expectStatus(page, 'Offline');
    await expect
      .poll(() => page.getByTestId('pending-summary').textContent())
      .toBe('4 changes waiting to be sent');
    // Each row says it waits ("sending" while the leader tries and finds no server).
    const rows = await page
      .locator('[data-pending]')
      .evaluateAll((list) =>
        list.map((r) => [r.getAttribute('data-item-id'), r.getAttribute('data-pending')]),
      );
    expect(new Map(rows as [string, string][])).toEqual(
      new Map([a!.id, b!.id, c!.id].map((id) => [id, expect.stringMatching(/^(pending|sending)$/)])),
    );
    expect(await page.locator(`[data-item-id="${doomed.id}"]`).count()).toBe(0);
    expect(await pendingPanel().locator('.row__title').allTextContents()).toEqual([
      `Edit product “${a!.name}”`,
      `Edit product “${b!.name}”`,
      `Edit product “${c!.name}”`,
      'Delete product “Outbox special”',
    ]);
    expect(await page.locator(`[data-item-id="${a!.id}"] .row__meta`).textContent()).toContain(money(1111));
    await screenshot(page, 'outbox-pending-offline-landscape');

    await server.restart();
    await tablet.setOffline(false);
    await pendingPanel().waitFor({ state: 'detached', timeout: 20_000 });
    expect(await productVersion()).toBe(before + 4);
    const after = await serverProducts();
    expect([a, b, c].map((p) => after.get(p!.id)?.priceCents)).toEqual([1111, 2222, 3333]);
    expect(after.has(doomed.id)).toBe(false);
    expect(await page.locator('[data-pending]').count()).toBe(0);

    for (const [id, cents] of [
      [a!.id, 1111],
      [b!.id, 2222],
      [c!.id, 3333],
    ] as const)
      await expect
        .poll(() => secondDevice.locator(`[data-item-id="${id}"] .row__meta`).textContent(), {
          timeout: 10_000,
        })
        .toContain(money(cents));
    await secondDevice.locator(`[data-item-id="${doomed.id}"]`).waitFor({ state: 'detached' });
  });
});

describe('a conflicting edit', () => {
  it('is shown to the person instead of overwriting either side, and "apply mine" puts it on top', async () => {
    const target = products[3]!;
    await goOffline();
    await editPriceOffline(target.id, 777);
    const theirs = await api.update('product', target.id, {
      priceCents: 1234,
      name: `${target.name} (theirs)`,
    });

    await tablet.setOffline(false);
    const conflict = pendingPanel().locator('[data-state="conflict"]');
    await conflict.waitFor({ timeout: 20_000 });
    expect(await conflict.locator('.badge').textContent()).toBe('Changed on another device');
    expect(await conflict.getByTestId('mine').textContent()).toBe(`yours ${money(777)}`);
    expect(await conflict.getByTestId('theirs').textContent()).toBe(` · now on the server ${money(1234)}`);
    // Neither side overwritten: the server keeps theirs, and this device shows theirs again.
    expect((await serverProducts()).get(target.id)).toEqual(theirs);
    await expect
      .poll(() => page.locator(`[data-item-id="${target.id}"] .row__title`).textContent())
      .toBe(`${target.name} (theirs)`);
    expect(await page.locator(`[data-item-id="${target.id}"]`).getAttribute('data-pending')).toBe('conflict');
    await page.goto('/#/manage/product');
    await expectStatus(page, 'Online');
    await pendingPanel().evaluate((panel) => panel.scrollIntoView({ block: 'center' }));
    await screenshot(page, 'outbox-conflict-landscape');
    await page.goto('/#/diagnostics');
    expect(await page.getByTestId('outbox-count').textContent()).toBe('1 entry; this tab sends them.');
    await pendingPanel().evaluate((panel) => panel.scrollIntoView({ block: 'center' }));
    await screenshot(page, 'outbox-diagnostics-landscape');

    await pendingPanel().getByRole('button', { name: 'Apply mine on top' }).click();
    await pendingPanel().waitFor({ state: 'detached', timeout: 10_000 });
    expect((await serverProducts()).get(target.id)).toMatchObject({
      name: `${target.name} (theirs)`,
      priceCents: 777,
      version: theirs.version + 1,
    });
  });
});

describe('a server killed in the middle of a replay', () => {
  it('ends, after its restart, with every change applied exactly once', async () => {
    const batch = products.slice(4, 8);
    await goOffline();
    for (const [i, p] of batch.entries()) await editPriceOffline(p.id, 5000 + i);
    const before = await productVersion();
    const replayed: string[] = [];
    page.on('response', (r) => {
      if (r.request().method() === 'PATCH' && r.headers()['idempotent-replayed'] === 'true')
        replayed.push(r.url());
    });

    // The second write reaches the server and is committed, then the server dies before answering.
    let patches = 0;
    let killed!: () => void;
    const serverKilled = new Promise<void>((resolve) => {
      killed = resolve;
    });
    const cutSecondAnswer = async (route: Route) => {
      if (route.request().method() !== 'PATCH' || ++patches !== 2) return route.continue();
      await route.fetch();
      await server.kill();
      killed();
      await route.abort('connectionreset');
    };
    await tablet.route('**/api/products/*', cutSecondAnswer);
    await tablet.setOffline(false);
    const sentWithoutCut = pendingPanel()
      .waitFor({ state: 'detached', timeout: 20_000 })
      .then(() => Promise.reject(new Error('the replay finished without passing the route')));
    await Promise.race([serverKilled, sentWithoutCut]);
    sentWithoutCut.catch(() => undefined);
    await tablet.unroute('**/api/products/*', cutSecondAnswer);
    expect(await productVersion().catch(() => 'down')).toBe('down');
    // The first is acknowledged; the second is committed but unanswered; two never left.
    await expect.poll(() => pendingPanel().locator('[data-seq]').count()).toBe(3);

    await server.restart();
    await pendingPanel().waitFor({ state: 'detached', timeout: 20_000 });
    expect(await productVersion()).toBe(before + batch.length);
    const after = await serverProducts();
    expect(batch.map((p) => after.get(p.id)?.priceCents)).toEqual([5000, 5001, 5002, 5003]);
    expect(replayed).toEqual([`${server.url}/api/products/${batch[1]!.id}`]);
  });
});
