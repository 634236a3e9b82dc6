/**
 * Safari's storage rules, in WebKit. In a Safari tab, ITP deletes a site's script-writable
 * storage (IndexedDB, localStorage, service worker registrations, caches) after 7 days
 * without a visit; and `navigator.storage.persist()` may be refused (or, in WebKitGTK,
 * missing). The app must come back from either: refill every type from the server and
 * read Online. Deletions happen with the app closed, from a same-origin page the service
 * worker does not serve (`/api/health`). Persistence answers are forced by a proxy that
 * runs a script before the app (WebDriver classic has no preload scripts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncStatus } from '../../src/shared/protocol';
import { type ApiClient, apiClient } from '../e2e/support';
import { buildAppOnce } from '../helpers/browser';
import type { EngineBrowser, EngineTab } from '../helpers/engine';
import { type InjectProxy, startInjectProxy } from '../helpers/injectProxy';
import { startServer, type TestServer } from '../helpers/server';
import { launchWebKit } from '../helpers/webkit';
import { whenInstalled } from './availability';
import {
  expectedTypes,
  expectStatus,
  PAGE_TIMEOUT_MS,
  route,
  signIn,
  storedTypes,
  waitInPage,
} from './support';

let server: TestServer;
let browser: EngineBrowser;
let api: ApiClient;
let tab: EngineTab;
const proxies: InjectProxy[] = [];

/** `navigator.storage` whose persist() answers as `answer` says, set before the app runs. */
const persistAnswering = (answer: 'false' | 'reject') => `
  window.persistAsked = 0;
  const storage = {
    persisted: () => Promise.resolve(false),
    persist: () => {
      window.persistAsked += 1;
      return ${answer === 'false' ? 'Promise.resolve(false)' : "Promise.reject(new DOMException('not for this page', 'NotAllowedError'))"};
    },
    estimate: () => Promise.resolve({ usage: 0, quota: 0 }),
  };
  Object.defineProperty(Navigator.prototype, 'storage', { configurable: true, get: () => storage });
`;

const serverStatus = async (): Promise<SyncStatus> =>
  (await (await fetch(`${server.url}/api/sync/status`)).json()) as SyncStatus;

/** Waits until IndexedDB holds every type exactly as the server's status says. */
async function expectVerified(page: EngineTab): Promise<void> {
  const expected = expectedTypes(await serverStatus());
  await expect.poll(() => storedTypes(page), { timeout: PAGE_TIMEOUT_MS }).toEqual(expected);
}

/** What Diagnostics says about persistent storage: `[data-state, text]`. */
async function persistenceShown(page: EngineTab): Promise<[string, string]> {
  await route(page, '#/diagnostics');
  return waitInPage(
    page,
    'an answer on Diagnostics',
    () => {
      const fact = document.querySelector('[data-testid="storage-persistence"]');
      const state = fact?.getAttribute('data-state');
      return state && state !== 'asking' ? ([state, fact?.textContent ?? ''] as [string, string]) : null;
    },
    [] as [],
  );
}

/** Closes the app's tab, leaving a same-origin page the service worker does not serve. */
async function closeTheApp(origin: string): Promise<EngineTab> {
  const other = await browser.newTab();
  await other.goto(`${origin}/api/health`);
  await tab.close();
  return other;
}

/**
 * Deletes the app's database from `page`; resolves with how that went. A closing tab may
 * hold its connection a moment longer (`blocked`): the deletion then waits for it.
 */
function deleteDatabase(page: EngineTab): Promise<string> {
  return page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const request = indexedDB.deleteDatabase('red-coral');
        request.onsuccess = () => resolve('deleted');
        request.onerror = () => resolve(`failed: ${request.error?.message}`);
      }),
  );
}

whenInstalled('webkit', () => {
  beforeAll(async () => {
    await buildAppOnce();
    server = await startServer();
    browser = await launchWebKit(server.url);
    api = apiClient(server.url, await server.login());
  });

  afterAll(async () => {
    await browser?.close();
    for (const proxy of proxies) await proxy.close();
    await server?.stop();
  });

  describe("Safari's storage rules, in WebKit", () => {
    it('IndexedDB deleted while the app is closed: it opens signed in, refills every type and reads Online', async () => {
      tab = await browser.newTab();
      await tab.goto('/');
      await signIn(tab, server.adminPin);
      await expectVerified(tab);

      tab = await closeTheApp(server.url);
      // The venue changes something meanwhile: the refill must bring today's data, not a stale copy.
      const tag = await api.create('tag', { name: 'Back after a week', color: '#3a7ca5' });
      expect(await deleteDatabase(tab)).toBe('deleted');
      expect(await tab.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).not.toContain(
        'red-coral',
      );

      await tab.goto('/');
      await expectStatus(tab, 'Online');
      expect(await tab.evaluate(() => document.querySelector('input#pin') === null)).toBe(true);
      await expectVerified(tab);
      expect((await storedTypes(tab)).tag?.count).toBe((await api.list('tag')).length);
      expect((await api.list('tag')).map((t) => t.id)).toContain(tag.id);
    });

    it('all script-writable storage cleared (ITP after 7 days): it asks for the PIN again, then refills everything', async () => {
      tab = await closeTheApp(server.url);
      expect(await deleteDatabase(tab)).toBe('deleted');
      await tab.evaluate(async () => {
        localStorage.clear();
        for (const registration of await navigator.serviceWorker.getRegistrations())
          await registration.unregister();
        for (const key of await caches.keys()) await caches.delete(key);
      });

      await tab.goto('/');
      await waitInPage(
        tab,
        'the sign-in screen',
        () => document.querySelector('input#pin') !== null,
        [] as [],
      );
      await signIn(tab, server.adminPin);
      await expectVerified(tab);
      const script = await waitInPage(
        tab,
        'a controlling service worker again',
        () => navigator.serviceWorker.controller?.scriptURL,
        [] as [],
      );
      expect(script).toBe(`${server.url}/sw.js`);
    });

    it('WebKitGTK has no navigator.storage: Diagnostics says the data cannot be promised', async () => {
      expect(await tab.evaluate(() => typeof navigator.storage)).toBe('undefined');
      expect(await persistenceShown(tab)).toEqual([
        'unavailable',
        'Not guaranteed: this browser cannot promise to keep this device’s data. If the browser clears it, the app reloads everything from the server the next time it opens.',
      ]);
    });

    it('persist() resolving false: the app still syncs every type, and Diagnostics says the data may be cleared', async () => {
      const proxy = await startInjectProxy(server.url, persistAnswering('false'));
      proxies.push(proxy);
      const page = await browser.newTab();
      await page.goto(`${proxy.url}/`);
      await signIn(page, server.adminPin);
      await expectVerified(page);
      expect(await page.evaluate(() => (window as unknown as { persistAsked: number }).persistAsked)).toBe(1);
      expect(await persistenceShown(page)).toEqual([
        'refused',
        'Not guaranteed: the browser refused to promise it keeps this device’s data, and may clear it (Safari in a tab: after 7 days without a visit). If the browser clears it, the app reloads everything from the server the next time it opens.',
      ]);
      await page.close();
    });

    it('persist() rejecting: the app still syncs every type, and Diagnostics names the error', async () => {
      const proxy = await startInjectProxy(server.url, persistAnswering('reject'));
      proxies.push(proxy);
      const page = await browser.newTab();
      await page.goto(`${proxy.url}/`);
      await signIn(page, server.adminPin);
      await expectVerified(page);
      expect(await persistenceShown(page)).toEqual([
        'failed',
        'Not guaranteed: asking the browser to keep this device’s data failed (NotAllowedError: not for this page). If the browser clears it, the app reloads everything from the server the next time it opens.',
      ]);
      await page.close();
    });
  });
});
