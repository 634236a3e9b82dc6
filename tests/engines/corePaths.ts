/**
 * The core paths, written once and run in every engine (webkit / firefox / chromium
 * .test.ts): sign-in, a full sync of every type, service worker control, a live edit
 * within 1 s, two tabs sharing one event stream and handing it over, an offline cold
 * boot, and an offline edit replayed exactly once. The outcomes asserted are the ones the
 * Chromium e2e tests assert. The server is the real process in drill mode, so the test
 * can count the browser's event streams (`GET /api/drills`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangesResponse, SyncStatus } from '../../src/shared/protocol';
import type { Item } from '../../src/shared/resources';
import { type ApiClient, apiClient, eventStreams, soleStreamOtherThan } from '../e2e/support';
import { buildAppOnce } from '../helpers/browser';
import type { EngineBrowser, EngineTab, LaunchEngine } from '../helpers/engine';
import { startServer, type TestServer } from '../helpers/server';
import {
  diagnosticsRows,
  expectedTypes,
  expectStatus,
  menuLines,
  PAGE_TIMEOUT_MS,
  route,
  screenshot,
  seenAt,
  signIn,
  storedTypes,
  waitInPage,
  watchProductName,
} from './support';

/** How soon the other tab must open the stream after the leader tab closed. */
const HANDOVER_MS = 5_000;

export function describeCorePaths(engine: string, launch: LaunchEngine): void {
  let server: TestServer;
  let browser: EngineBrowser;
  let api: ApiClient;
  let tab: EngineTab;
  /** The product version before the server went down (set by the offline boot test). */
  let productVersionBefore = 0;

  const status = async (): Promise<SyncStatus> =>
    (await (await fetch(`${server.url}/api/sync/status`)).json()) as SyncStatus;

  /** Renames a product through the API; resolves with when the server answered (ms since epoch). */
  const renameOnServer = async (id: string, name: string): Promise<number> => {
    await api.update('product', id, { name });
    return Date.now();
  };

  /** The first product the menu shows: the one every engine surely renders. */
  const firstOnMenu = async (): Promise<Item<'product'>> => {
    const id = await waitInPage(
      tab,
      'a product on the menu',
      () => document.querySelector('[data-product-id]')?.getAttribute('data-product-id'),
      [] as [],
    );
    return (await api.list('product')).find((p) => p.id === id)!;
  };

  describe(`${engine}: the core paths`, () => {
    beforeAll(async () => {
      // The server serves dist/ only if it exists when it starts, so build first.
      await buildAppOnce();
      server = await startServer({ env: { RED_CORAL_DRILLS: '1' } });
      browser = await launch(server.url);
      api = apiClient(server.url, await server.login());
    });

    afterAll(async () => {
      await browser?.close();
      await server?.stop();
    });

    it('signs in: the input labelled PIN, the Sign in button, then Sync status reads Online', async () => {
      tab = await browser.newTab();
      await tab.goto('/');
      await signIn(tab, server.adminPin);
      expect(await tab.evaluate(() => document.querySelector('input#pin') === null)).toBe(true);
    });

    it("syncs every type: IndexedDB holds each type at the server's version, digest and item count, and Diagnostics agrees", async () => {
      const server_ = await status();
      await expect.poll(() => storedTypes(tab), { timeout: PAGE_TIMEOUT_MS }).toEqual(expectedTypes(server_));
      await route(tab, '#/diagnostics');
      const rows = await waitInPage(
        tab,
        'ten Diagnostics rows with server figures',
        () => {
          const rows = [...document.querySelectorAll('tr[data-resource] [data-testid="versions"]')];
          return rows.length === 10 && rows.every((r) => !r.textContent?.includes('—'));
        },
        [] as [],
      ).then(() => diagnosticsRows(tab));
      await screenshot(tab, `engines-${browser.name}-diagnostics`);
      expect(rows).toEqual(
        Object.fromEntries(
          Object.entries(expectedTypes(server_)).map(([r, t]) => [
            r,
            [String(t.lastVersion), String(t.lastVersion), t.digest, t.digest],
          ]),
        ),
      );
    });

    it('is controlled by the service worker', async () => {
      const script = await waitInPage(
        tab,
        'a controlling service worker',
        () => navigator.serviceWorker.controller?.scriptURL,
        [] as [],
      );
      expect(script).toBe(`${server.url}/sw.js`);
    });

    it('shows a change made through the API within 1 s, without a reload', async () => {
      await route(tab, '#/menu');
      const dish = await firstOnMenu();
      const name = `${dish.name} (live)`;
      await tab.evaluate(() => {
        (window as unknown as { stillHere: boolean }).stillHere = true;
      });
      await watchProductName(tab, dish.id, name);
      const savedAt = await renameOnServer(dish.id, name);
      expect((await seenAt(tab)) - savedAt).toBeLessThan(1_000);
      expect(await tab.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
    });

    it('two tabs share one event stream; when the leader closes, the other opens it within 5 s and still gets live edits', async () => {
      const [leaderStream, ...others] = await eventStreams(api);
      expect(others).toEqual([]);
      const dish = await firstOnMenu();
      const second = await browser.newTab();
      await second.goto('/#/menu');
      await expectStatus(second, 'Online');
      await watchProductName(second, dish.id, `${dish.name} (relayed)`);
      await renameOnServer(dish.id, `${dish.name} (relayed)`);
      await seenAt(second);
      expect((await eventStreams(api)).map((s) => s.id)).toEqual([leaderStream!.id]);

      await tab.close();
      const closedAt = Date.now();
      await soleStreamOtherThan(api, leaderStream!, PAGE_TIMEOUT_MS);
      expect(Date.now() - closedAt).toBeLessThan(HANDOVER_MS);
      tab = second;
      await expectStatus(tab, 'Online');
      await watchProductName(tab, dish.id, `${dish.name} (after the leader closed)`);
      await renameOnServer(dish.id, `${dish.name} (after the leader closed)`);
      await seenAt(tab);
    });

    it('boots offline from a cold start: with the server stopped, the shell comes from the service worker and the menu from IndexedDB', async () => {
      await route(tab, '#/menu');
      const active = (await api.list('product')).filter((p) => p.active).length;
      await waitInPage(
        tab,
        `${active} products on the menu`,
        (n) => document.querySelectorAll('[data-product-id]').length === n,
        [active],
      );
      const before = await menuLines(tab);
      productVersionBefore = (await status()).versions.product;

      await server.stop();
      await tab.reload();
      await expectStatus(tab, 'Offline');
      await expect.poll(() => menuLines(tab), { timeout: PAGE_TIMEOUT_MS }).toEqual(before);

      // A cold start: no page of the app open while the new one loads.
      const fresh = await browser.newTab();
      await tab.close();
      tab = fresh;
      await tab.goto('/');
      await expectStatus(tab, 'Offline');
      await expect.poll(() => menuLines(tab), { timeout: PAGE_TIMEOUT_MS }).toEqual(before);
      await screenshot(tab, `engines-${browser.name}-menu-offline`);
    });

    it('sends an edit made while the server is down exactly once when it is back', async () => {
      const id = await waitInPage(
        tab,
        'a product on the menu',
        () => document.querySelectorAll('[data-product-id]')[1]?.getAttribute('data-product-id'),
        [] as [],
      );
      await route(tab, `#/manage/product/${id}`);
      await waitInPage(
        tab,
        'the product form',
        () => !!document.querySelector('form.resource-form'),
        [] as [],
      );
      await tab.fill('Price', '12.34');
      await tab.click('Save changes');
      await waitInPage(
        tab,
        'the queued notice',
        () =>
          [...document.querySelectorAll('[role="status"]')].some((n) =>
            n.textContent?.startsWith('Saved on this device.'),
          ),
        [] as [],
      );
      expect(
        await tab.evaluate(() => document.querySelector('[data-testid="pending-summary"]')?.textContent),
      ).toBe('1 change waiting to be sent');

      await server.start();
      await waitInPage(
        tab,
        'the outbox to empty',
        () => document.querySelector('[aria-label="Pending changes"]') === null,
        [] as [],
      );
      await expectStatus(tab, 'Online');
      const stored = (await api.list('product')).find((p) => p.id === id);
      expect(stored?.priceCents).toBe(1234);
      expect((await status()).versions.product).toBe(productVersionBefore + 1);
      const { body } = await api.call<ChangesResponse>(
        'GET',
        `/api/sync/changes?resource=product&since=${productVersionBefore}`,
      );
      expect(body.changes.map((c) => [c.id, c.action, c.version])).toEqual([
        [id, 'updated', productVersionBefore + 1],
      ]);
    });
  });
}
