/**
 * The Diagnostics page with a sync log at its full capacity, in real Chromium slowed to a
 * point-of-sale tablet's pace (CPU throttled 4×): it opens quickly, keeps only the rows on
 * screen in the document, and stays cheap while events keep arriving. A page that
 * rendered the whole ring buffer took 233 ms to open here and kept the tab 95 % busy at
 * ten events a second (docs/DRILLS.md, "Why the 5-minute soak failed").
 */
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '../../src/shared/resources';
import { DEFAULT_LOG_CAPACITY } from '../../src/sync/syncLog';
import { buildAppOnce, launchBrowser, newDevice } from '../helpers/browser';
import { exportedLog, timeDiagnostics } from '../helpers/diagnostics';
import { startServer, type TestServer } from '../helpers/server';
import { type ApiClient, apiClient, expectStatus, signIn } from './support';

/** A kiosk-class tablet is several times slower than a core of this machine. */
const CPU_SLOWDOWN = 4;
/**
 * Bounds on this 2-core machine under load, at CPU_SLOWDOWN. Measured at a load average
 * of 10: windowed, 35 ms to open and 21 % busy; rendering every line, 233 ms and 95 %.
 */
const OPEN_MEDIAN_MS = 150;
const BUSY_SHARE_MAX = 0.6;
/** Rows in the document: a screenful and the overscan on both sides, never the whole log. */
const ROWS_IN_DOCUMENT_MAX = 40;

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let cdp: CDPSession;
let api: ApiClient;
let product: Item<'product'>;

/** Main-thread task time of the page so far (s), from the CDP Performance domain. */
async function taskSeconds(): Promise<number> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as {
    metrics: { name: string; value: number }[];
  };
  return metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0;
}

beforeAll(async () => {
  await buildAppOnce();
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  api = apiClient(server.url, await server.login());
  product = (await api.list('product'))[0]!;
  ({ context, page } = await newDevice(browser, server.url));
  await page.goto('/');
  await signIn(page, server.adminPin);
  // A full log, through the engine's own start: lines stored in `sync_log` are what a
  // restarted tab shows (syncLog.attach), exactly as a kiosk that ran for days restarts.
  await page.evaluate(
    (lines) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('red-coral');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction('sync_log', 'readwrite');
          const start = Date.now() - lines * 2000;
          for (let i = 0; i < lines; i++)
            tx.objectStore('sync_log').add({
              at: start + i * 2000,
              kind: i % 50 === 0 ? 'check' : 'applied',
              resource: i % 50 === 0 ? undefined : 'product',
              message:
                i % 50 === 0 ? 'heartbeat shows a difference: status read' : `applied v${i + 1}..v${i + 1}`,
              version: i + 1,
            });
          tx.oncomplete = () => {
            open.result.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    DEFAULT_LOG_CAPACITY,
  );
  await page.reload();
  await expectStatus(page, 'Online', 30_000);
  cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('Diagnostics with a full sync log', () => {
  it('holds the log at its capacity, newest line from a live event', async () => {
    await api.update('product', product.id, { priceCents: product.priceCents + 1 });
    await expect
      .poll(async () => (await exportedLog(page)).at(-1)?.kind, { timeout: 15_000 })
      .toBe('applied');
    expect(await exportedLog(page)).toHaveLength(DEFAULT_LOG_CAPACITY);
  });

  it(`opens within ${OPEN_MEDIAN_MS} ms at the median on a ${CPU_SLOWDOWN}× slower CPU, showing only the rows on screen`, async () => {
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
    try {
      const times: number[] = [];
      for (let i = 0; i < 7; i++) times.push(await timeDiagnostics(page, 15_000));
      times.sort((a, b) => a - b);
      const median = times[3]!;
      expect(median, `opening times ${times.map(Math.round).join(', ')} ms`).toBeLessThanOrEqual(
        OPEN_MEDIAN_MS,
      );
    } finally {
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    }
    await page.goto('/#/diagnostics');
    const list = page.locator('[aria-label="Sync log"]');
    await list.locator('li').first().waitFor();
    const rows = await list.locator('li').evaluateAll((lis) =>
      lis.map((li) => ({
        kind: li.getAttribute('data-kind'),
        position: Number(li.getAttribute('aria-posinset')),
        of: Number(li.getAttribute('aria-setsize')),
        message: li.querySelector('.log__message')?.textContent,
      })),
    );
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThanOrEqual(ROWS_IN_DOCUMENT_MAX);
    // Newest first, and each row says where it stands in the whole log.
    const newest = (await exportedLog(page)).at(-1)!;
    expect(rows[0]).toEqual({
      kind: newest.kind,
      position: 1,
      of: DEFAULT_LOG_CAPACITY,
      message: newest.message,
    });
    expect(rows.map((r) => r.position)).toEqual(rows.map((_, i) => i + 1));
  });

  it(`stays under ${BUSY_SHARE_MAX * 100} % busy while open with ten events a second arriving`, async () => {
    await page.goto('/#/diagnostics');
    await page.locator('[aria-label="Sync log"] li').first().waitFor();
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
    try {
      const busyBefore = await taskSeconds();
      const started = Date.now();
      const events = 30;
      for (let i = 0; i < events; i++) {
        await api.update('product', product.id, { priceCents: product.priceCents + 10 + i });
        // wait-ok: paces the writes at ten a second, the rate the page must keep up with.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // Until the page shows the last of them: its work for all of them is inside the window.
      const status = (await (await fetch(`${server.url}/api/sync/status`)).json()) as {
        versions: Record<string, number>;
      };
      await expect
        .poll(() => page.locator('tr[data-resource="product"] [data-testid="versions"]').textContent(), {
          timeout: 30_000,
        })
        .toMatch(new RegExp(`^${status.versions.product} / `));
      const share = (await taskSeconds()) - busyBefore;
      const wall = (Date.now() - started) / 1000;
      expect(share / wall, `${share.toFixed(2)} s busy in ${wall.toFixed(2)} s`).toBeLessThanOrEqual(
        BUSY_SHARE_MAX,
      );
    } finally {
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    }
  });
});
