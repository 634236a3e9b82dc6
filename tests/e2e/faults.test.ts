/**
 * One device against a drill-mode server with 1 s heartbeats: an injected fault is shown
 * as such on Diagnostics and repaired by the engine's own rules; stalled heartbeats are
 * noticed within three beats; and a full disk neither half-applies nor loses a change,
 * refuses a local edit with the input kept, and converges without a reload once space is
 * back. Chromium's quota override does not make IndexedDB refuse writes, so the page's
 * `put`/`add` throw the browser's QuotaExceededError while a flag is set (as the
 * quota-full drill does).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncStatus } from '../../src/shared/protocol';
import type { Item } from '../../src/shared/resources';
import { buildAppOnce, launchBrowser, newDevice } from '../helpers/browser';
import { exportedLog } from '../helpers/diagnostics';
import { startServer, type TestServer } from '../helpers/server';
import { allowStorageFull, setStorageFull as setFullOn } from '../helpers/storageFull';
import {
  type ApiClient,
  apiClient,
  decimal,
  expectStatus,
  money,
  priceOn,
  productsNoRuleTouches,
  screenshot,
  signIn,
} from './support';

let server: TestServer;
let browser: Browser;
let page: Page;
let api: ApiClient;

/** "12.50" for 1250, as the app shows it. */

/** The sync log as the Diagnostics page exports it, newest first; the page stays on Diagnostics. */
async function logRows(p: Page) {
  await p.goto('/#/diagnostics');
  return (await exportedLog(p)).reverse();
}

/** The product table's `sync_meta` row and one item as IndexedDB holds them (reads still work). */
async function storedProduct(p: Page, id: string) {
  return p.evaluate(
    (itemId) =>
      new Promise<{ meta: { lastVersion: number; digest: string }; item: { priceCents: number } }>(
        (resolve, reject) => {
          const open = indexedDB.open('red-coral');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const db = open.result;
            const tx = db.transaction(['sync_meta', 'product'], 'readonly');
            const meta = tx.objectStore('sync_meta').get('product');
            const item = tx.objectStore('product').get(itemId);
            tx.oncomplete = () => {
              db.close();
              resolve({ meta: meta.result, item: item.result });
            };
            tx.onerror = () => reject(tx.error);
          };
        },
      ),
    id,
  );
}

async function serverStatus(): Promise<SyncStatus> {
  return (await (await fetch(`${server.url}/api/sync/status`)).json()) as SyncStatus;
}

const setStorageFull = (full: boolean) => setFullOn(page, full);

beforeAll(async () => {
  await buildAppOnce();
  [server, browser] = await Promise.all([
    startServer({ env: { RED_CORAL_DRILLS: '1', RED_CORAL_HEARTBEAT_MS: '1000' } }),
    launchBrowser(),
  ]);
  api = apiClient(server.url, await server.login());
  const device = await newDevice(browser, server.url);
  await allowStorageFull(device.context);
  page = device.page;
  await signIn(page, server.adminPin);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('a fault injected by a drill', () => {
  it('is labelled as such on Diagnostics, and the engine still repairs it', async () => {
    const target = (await productsNoRuleTouches(api))[0]!;
    const { status } = await api.call('POST', '/api/drills/faults', {
      kind: 'drop',
      resource: 'product',
      count: 2,
    });
    expect(status).toBe(201);
    await expect
      .poll(async () => (await logRows(page)).find((r) => r.drill === 'drop'), { timeout: 5_000 })
      .toMatchObject({
        kind: 'fault',
        message: expect.stringMatching(/^Injected fault: Drill: /),
      });
    // The newest lines are on screen: the injected fault is labelled and styled apart.
    const row = page.locator('[aria-label="Sync log"] [data-drill="drop"]').first();
    expect(await row.locator('.log__kind').textContent()).toBe('Injected fault');
    expect(await row.evaluate((el) => el.classList.contains('log__entry--injected'))).toBe(true);
    await screenshot(page, 'diagnostics-injected-fault-landscape', true);

    // Two changes are dropped on their way; the third shows the gap, which is caught up.
    for (const cents of [101, 102, 103]) await api.update('product', target.id, { priceCents: cents });
    await page.goto('/#/menu');
    await expect.poll(() => priceOn(page, target.id).textContent()).toBe(money(103));
    expect((await logRows(page)).map((r) => r.kind)).toContain('gap_caught_up');
  });
});

describe('stalled heartbeats', () => {
  it('are noticed after three missed beats: the stream is reopened', async () => {
    const seen = (await logRows(page)).length;
    const stall = 'no message for 3000 ms (the server beats every 1000 ms); reopening the stream';
    const { status } = await api.call('POST', '/api/drills/faults', {
      kind: 'stall_heartbeats',
      durationMs: 3_500,
    });
    expect(status).toBe(201);
    const armedAt = Date.now();
    // Newest first: the rows logged since the fault was armed.
    const since = async () => {
      const rows = await logRows(page);
      return rows.slice(0, rows.length - seen);
    };
    await expect
      .poll(async () => (await since()).some((r) => r.message === stall), { timeout: 8_000, interval: 100 })
      .toBe(true);
    // Three beats plus the time it takes to look: well before the contract's 45 s default.
    expect(Date.now() - armedAt).toBeLessThan(6_000);
    await expect
      .poll(async () => (await since()).findIndex((r) => r.kind === 'stream_open'), { timeout: 8_000 })
      .toBeGreaterThanOrEqual(0);
    await expectStatus(page, 'Online');
  });
});

describe('storage full', () => {
  let changed: Item<'product'>;
  let edited: Item<'product'>;

  it('keeps showing what IndexedDB holds, says so, and refuses a local edit with the input kept', async () => {
    [changed, edited] = (await productsNoRuleTouches(api)).slice(1, 3) as [Item<'product'>, Item<'product'>];
    await page.goto('/#/menu');
    await expect.poll(() => priceOn(page, changed.id).textContent()).toBe(money(changed.priceCents));
    const before = await storedProduct(page, changed.id);

    await setStorageFull(true);
    const remote = await api.update('product', changed.id, { priceCents: changed.priceCents + 111 });
    await expect
      .poll(async () => page.locator('.storage-notice').textContent(), { timeout: 5_000 })
      .toMatch(/^This device’s storage is full\./);
    const rows = await logRows(page);
    expect(rows.find((r) => r.kind === 'storage_error')?.message).toMatch(
      new RegExp(
        `^This device's storage is full: could not save 1 product change \\(v${before.meta.lastVersion}→v${remote.version}\\); showing the products saved at v${before.meta.lastVersion}, will retry$`,
      ),
    );
    await screenshot(page, 'diagnostics-storage-full-landscape', true);

    // Nothing half-applied: IndexedDB and the screen both still hold the version before.
    expect(await storedProduct(page, changed.id)).toEqual(before);
    await page.goto('/#/menu');
    expect(await priceOn(page, changed.id).textContent()).toBe(money(changed.priceCents));

    await page.goto(`/#/manage/product/${edited.id}`);
    const price = page.getByLabel('Price', { exact: true });
    await price.fill(decimal(edited.priceCents + 50));
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect
      .poll(() => page.locator('form.resource-form [role="alert"]').textContent())
      .toBe(
        "This device's storage is full, so the change was not saved on this device. What you typed is still here: free up space on this device, then save again.",
      );
    expect(await price.inputValue()).toBe(decimal(edited.priceCents + 50));
    expect((await api.list('product')).find((p) => p.id === edited.id)?.priceCents).toBe(edited.priceCents);
    await screenshot(page, 'manage-storage-full-landscape');
  });

  it('converges without a reload once space is back, and the kept edit then saves', async () => {
    const navigations: string[] = [];
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame() && !f.url().includes('#')) navigations.push(f.url());
    });
    // Still on the form that kept the typed price; IndexedDB is read beside it.
    await setStorageFull(false);
    const status = await serverStatus();
    await expect
      .poll(async () => (await storedProduct(page, changed.id)).meta, { timeout: 10_000 })
      .toEqual(
        expect.objectContaining({ lastVersion: status.versions.product, digest: status.digests.product }),
      );
    expect((await storedProduct(page, changed.id)).item.priceCents).toBe(changed.priceCents + 111);
    await expect.poll(() => page.locator('.storage-notice').count()).toBe(0);

    expect(await page.getByLabel('Price', { exact: true }).inputValue()).toBe(
      decimal(edited.priceCents + 50),
    );
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect
      .poll(() => page.locator('form.resource-form [role="status"]').textContent())
      .toBe(`Saved ${edited.name}.`);
    expect((await api.list('product')).find((p) => p.id === edited.id)?.priceCents).toBe(
      edited.priceCents + 50,
    );
    expect((await logRows(page)).map((r) => r.kind)).toContain('storage_ok');
    await page.goto('/#/menu');
    await expect.poll(() => priceOn(page, changed.id).textContent()).toBe(money(changed.priceCents + 111));
    expect(navigations).toEqual([]);
  });
});
