/**
 * One drill client: a tablet, i.e. its own Chromium profile (IndexedDB, localStorage,
 * service worker) running the real built app, with one or more tabs. Its User-Agent ends
 * in `RedCoralDrill/<name>` so a server fault can target it (`client` in a fault request).
 *
 * Everything the report shows is read from the device itself: the items and `sync_meta`
 * rows in IndexedDB, the outbox, the persisted sync log, the tabs' `Sync status`.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import type { Item, ResourceName } from '../../src/shared/resources';
import { RESOURCE_NAMES } from '../../src/shared/resources';
import { diagnosticsShow, exportedLog, timeDiagnostics, withTimeout } from '../helpers/diagnostics';
import { allowStorageFull, setStorageFull } from '../helpers/storageFull';

/** A type as the device holds it. */
export interface HeldType {
  items: Item[];
  meta: { lastVersion: number; epoch: string; digest: string } | null;
}

export interface HeldState {
  types: Record<ResourceName, HeldType>;
  /** Outbox entries by state (pending, sending, failed, conflict). */
  outbox: Record<string, number>;
}

export interface LogLine {
  at: number;
  kind: string;
  resource?: string;
  message: string;
}

/** Screenshots of what a client showed when a step failed. */
const FAILURE_DIR = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'test-results', 'drills');

/** The IndexedDB database name the app uses (CONTRACT.md §6). */
const DB_NAME = 'red-coral';
export class DrillClient {
  readonly pages: Page[] = [];
  private readonly cdp = new Map<Page, CDPSession>();

  private constructor(
    readonly name: string,
    readonly context: BrowserContext,
    readonly baseUrl: string,
  ) {}

  /** A new device with one tab on the app's sign-in screen. */
  static async open(
    browser: Browser,
    baseUrl: string,
    name: string,
    userAgent: string,
  ): Promise<DrillClient> {
    const context = await browser.newContext({
      baseURL: baseUrl,
      viewport: { width: 1024, height: 768 },
      serviceWorkers: 'allow',
      userAgent: `${userAgent} RedCoralDrill/${name}`,
    });
    // tsx compiles this file with esbuild's keepNames, which wraps named functions in the
    // code handed to page.evaluate in `__name(...)`; give pages that helper.
    await context.addInitScript({ content: 'globalThis.__name ??= (fn) => fn;' });
    await allowStorageFull(context);
    const client = new DrillClient(name, context, baseUrl);
    await client.openTab();
    return client;
  }

  /** What a fault request's `client` names to target only this device. */
  get userAgentTag(): string {
    return `RedCoralDrill/${this.name}`;
  }

  /** The tab that opened first and is still open: the one holding the event stream. */
  get first(): Page {
    const page = this.pages[0];
    if (!page) throw new Error(`${this.name} has no open tab`);
    return page;
  }

  async openTab(path = '/'): Promise<Page> {
    const page = await this.context.newPage();
    this.pages.push(page);
    await page.goto(path);
    return page;
  }

  /** Closes a tab (default the oldest, which holds the stream's Web Lock). */
  async closeTab(page: Page = this.first): Promise<void> {
    this.pages.splice(this.pages.indexOf(page), 1);
    this.cdp.delete(page);
    await page.close({ runBeforeUnload: false });
  }

  /** Signs in through the PIN screen on every tab that shows it; waits until each reads Online. */
  async signIn(pin: string, timeoutMs = 30_000): Promise<void> {
    for (const page of this.pages) {
      const field = page.getByLabel('PIN');
      if (await field.isVisible()) {
        await field.fill(pin);
        await page.getByRole('button', { name: 'Sign in' }).click();
      }
    }
    await this.waitForStatus('Online', timeoutMs);
  }

  /** Whether any tab shows the sign-in screen (the server forgot the session, e.g. after a wipe). */
  async showsSignIn(): Promise<boolean> {
    for (const page of this.pages) if (await page.getByLabel('PIN').isVisible()) return true;
    return false;
  }

  async waitForStatus(word: 'Online' | 'Offline' | 'Syncing', timeoutMs = 30_000): Promise<void> {
    await Promise.all(
      this.pages.map((p) =>
        p.waitForFunction(
          (w) => document.querySelector('[role="status"][aria-label="Sync status"]')?.textContent === w,
          word,
          { timeout: timeoutMs },
        ),
      ),
    );
  }

  /** Emulates the Wi-Fi going away (every request and stream of this device fails) or coming back. */
  async setOffline(offline: boolean): Promise<void> {
    await this.context.setOffline(offline);
  }

  /** Makes this device's IndexedDB refuse writes as a full disk does, or lifts that. */
  async setQuotaFull(full: boolean): Promise<void> {
    await setStorageFull(this.first, full);
  }

  /** Everything the device holds: each type's items and meta row, and its outbox. */
  async held(): Promise<HeldState> {
    const held: unknown = await withTimeout(this.readHeld(), 30_000, `${this.name}: reading IndexedDB`);
    return held as HeldState;
  }

  private readHeld(): Promise<unknown> {
    return this.first.evaluate(
      async ([dbName, types]) => {
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const request = indexedDB.open(dbName);
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        try {
          // One read transaction over every table: a consistent picture of the device.
          const names = [...types, 'sync_meta', 'outbox'];
          const tx = db.transaction(names, 'readonly');
          const read = (store: string) =>
            new Promise<unknown[]>((resolve, reject) => {
              const request = tx.objectStore(store).getAll();
              request.onsuccess = () => resolve(request.result);
              request.onerror = () => reject(request.error);
            });
          const [metaRows, outboxRows, ...itemLists] = await Promise.all([
            read('sync_meta'),
            read('outbox'),
            ...types.map((t) => read(t)),
          ]);
          const meta = new Map(
            (metaRows as { resource: string; lastVersion: number; epoch: string; digest: string }[]).map(
              (m) => [m.resource, { lastVersion: m.lastVersion, epoch: m.epoch, digest: m.digest }],
            ),
          );
          const outbox: Record<string, number> = {};
          for (const row of outboxRows as { state: string }[])
            outbox[row.state] = (outbox[row.state] ?? 0) + 1;
          return {
            types: Object.fromEntries(
              types.map((t, i) => [t, { items: itemLists[i] as never[], meta: meta.get(t) ?? null }]),
            ),
            outbox,
          };
        } finally {
          db.close();
        }
      },
      [DB_NAME, [...RESOURCE_NAMES]] as const,
    );
  }

  /** The persisted sync log (all tabs), oldest first. */
  log(): Promise<LogLine[]> {
    return withTimeout(this.readLog(), 30_000, `${this.name}: reading the sync log`);
  }

  private readLog(): Promise<LogLine[]> {
    return this.first.evaluate(async (dbName) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(dbName);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      try {
        return await new Promise<LogLine[]>((resolve, reject) => {
          const request = db.transaction('sync_log', 'readonly').objectStore('sync_log').getAll();
          request.onsuccess = () => resolve(request.result as LogLine[]);
          request.onerror = () => reject(request.error);
        });
      } finally {
        db.close();
      }
    }, DB_NAME);
  }

  /** The first tab's sync log as its Diagnostics page exports it (kept in memory, so also what could not be saved). */
  async diagnosticsLog(): Promise<LogLine[]> {
    return exportedLog(this.first);
  }

  /** Each tab's time to open Diagnostics until its table and first log rows are readable (ms). */
  async diagnosticsRenderMs(): Promise<number[]> {
    const times: number[] = [];
    for (const page of this.pages) times.push(await timeDiagnostics(page));
    return times;
  }

  /**
   * Whether every tab's in-memory stores (what staff see, shown on its Diagnostics page)
   * hold `digests`, waiting up to `timeoutMs`: IndexedDB alone does not prove a follower
   * tab applied what the leader stored. Returns what differs, per tab; empty when all match.
   */
  async tabDigestsMatch(digests: Record<string, string>, timeoutMs = 10_000): Promise<string[]> {
    const problems: string[] = [];
    for (const [tab, page] of this.pages.entries()) {
      const problem = await diagnosticsShow(page, digests, timeoutMs);
      if (problem) problems.push(`tab ${tab + 1} ${problem}`);
    }
    return problems;
  }

  /** JS heap in use by each tab after a forced garbage collection, in bytes. */
  async heapUsed(): Promise<number[]> {
    const sizes: number[] = [];
    for (const page of this.pages) {
      const cdp = await this.cdpOf(page);
      await cdp.send('HeapProfiler.collectGarbage');
      const usage = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
      sizes.push(usage.usedSize);
    }
    return sizes;
  }

  /** Time the first tab's main thread has spent running tasks since it opened (ms): its CPU cost. */
  async busyMs(): Promise<number> {
    const cdp = await this.cdpOf(this.first);
    const { metrics } = (await cdp.send('Performance.getMetrics')) as {
      metrics: { name: string; value: number }[];
    };
    return (metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000;
  }

  private async cdpOf(page: Page): Promise<CDPSession> {
    let cdp = this.cdp.get(page);
    if (!cdp) {
      cdp = await this.context.newCDPSession(page);
      // Task time is counted only once the domain is on: on first use, before any figure is read.
      await cdp.send('Performance.enable');
      this.cdp.set(page, cdp);
    }
    return cdp;
  }

  /**
   * Changes a product's price through the Manage form, as staff would (online or not):
   * the edit goes through the outbox. Resolves once the form says it was saved.
   */
  async editPrice(productId: string, cents: number, page: Page = this.first): Promise<void> {
    await page.evaluate(() => {
      window.location.hash = '#/menu';
    });
    await page.evaluate((id) => {
      window.location.hash = `#/manage/product/${id}`;
    }, productId);
    await page.locator('form.resource-form').waitFor();
    await page.getByLabel('Price', { exact: true }).fill((cents / 100).toFixed(2));
    await page.getByRole('button', { name: 'Save changes' }).click();
    const outcome = page.locator('.notice--ok[role="status"], form.resource-form [role="alert"]').first();
    try {
      await outcome.waitFor({ timeout: 15_000 });
    } catch {
      mkdirSync(FAILURE_DIR, { recursive: true });
      const shot = join(FAILURE_DIR, `${this.name}-edit-${productId}.png`);
      await page.screenshot({ path: shot });
      throw new Error(
        `${this.name}: saving a price showed neither "saved" nor an error within 15 s (${shot})`,
      );
    }
    if ((await outcome.getAttribute('role')) === 'alert')
      throw new Error(`${this.name}: saving a price was refused: ${await outcome.textContent()}`);
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
  }
}
