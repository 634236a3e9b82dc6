/**
 * What the cross-engine tests share, written against `EngineTab` so it runs the same in
 * every engine: waiting on the page, the app's UI hooks (contract §6: `PIN`, `Sign in`,
 * the `Sync status` region, the menu), and what the device stored in IndexedDB.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SyncStatus } from '../../src/shared/protocol';
import { RESOURCE_NAMES, type ResourceName } from '../../src/shared/resources';
import { SCREENSHOT_DIR } from '../e2e/support';
import type { EngineTab } from '../helpers/engine';

/** How long a browser may take for anything the app does by itself, on a loaded 2-core machine. */
export const PAGE_TIMEOUT_MS = 30_000;

/**
 * Polls `fn` in the page every 50 ms until it returns something truthy, and returns that.
 * A poll that throws (the page is navigating, the app not rendered yet) is retried; the
 * last error is in the timeout's message.
 */
export async function waitInPage<A extends unknown[], T>(
  tab: EngineTab,
  what: string,
  fn: (...args: A) => T | Promise<T>,
  args: A,
  timeout = PAGE_TIMEOUT_MS,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  let last: unknown = null;
  for (;;) {
    try {
      const value = await tab.evaluate(fn, ...args);
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeout} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`,
      );
    // wait-ok: the poll interval of a condition read over WebDriver, which has no waitForFunction.
    await new Promise((r) => setTimeout(r, 50));
  }
}

export type StatusWord = 'Online' | 'Syncing' | 'Offline';

/** What the `Sync status` live region reads now ('' before sign-in). */
export function statusText(tab: EngineTab): Promise<string> {
  return tab.evaluate(
    () => document.querySelector('[role="status"][aria-label="Sync status"]')?.textContent ?? '',
  );
}

/** Waits until the `Sync status` live region reads exactly `word`. */
export async function expectStatus(
  tab: EngineTab,
  word: StatusWord,
  timeout = PAGE_TIMEOUT_MS,
): Promise<void> {
  await waitInPage(
    tab,
    `Sync status "${word}"`,
    (w) => document.querySelector('[role="status"][aria-label="Sync status"]')?.textContent === w,
    [word],
    timeout,
  );
}

/** Signs in through the PIN screen (typing, then clicking) and waits for the first sync to finish. */
export async function signIn(tab: EngineTab, pin: string): Promise<void> {
  await tab.fill('PIN', pin);
  await tab.click('Sign in');
  await expectStatus(tab, 'Online');
}

/** Moves the app to another screen (a hash route), as its tab bar does: no reload. */
export async function route(tab: EngineTab, hash: string): Promise<void> {
  await tab.evaluate((h) => {
    window.location.hash = h;
  }, hash);
  await waitInPage(
    tab,
    `the screen ${hash}`,
    (h) => window.location.hash === h && !!document.querySelector('.screen'),
    [hash],
  );
}

/** Every product card on the menu as "name price", in page order. */
export function menuLines(tab: EngineTab): Promise<string[]> {
  return tab.evaluate(() =>
    [...document.querySelectorAll('[data-product-id]')].map(
      (c) =>
        `${c.querySelector('.product__name')?.textContent ?? ''} ${c.querySelector('[data-testid="price"]')?.textContent ?? ''}`,
    ),
  );
}

/** One type as this device stored it: its `sync_meta` row and how many items its table holds. */
export interface StoredType {
  lastVersion: number;
  epoch: string;
  digest: string;
  count: number;
}

/** Reads IndexedDB `red-coral` straight from the page: every `sync_meta` row with its table's count. */
export async function storedTypes(tab: EngineTab): Promise<Partial<Record<ResourceName, StoredType>>> {
  return tab.evaluate(
    (names) =>
      new Promise<Partial<Record<string, StoredType>>>((resolve, reject) => {
        const open = indexedDB.open('red-coral');
        // No database yet: do not create one behind the app's back.
        open.onupgradeneeded = () => open.transaction?.abort();
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const present: string[] = names.filter((n) => db.objectStoreNames.contains(n));
          if (!db.objectStoreNames.contains('sync_meta')) {
            db.close();
            resolve({});
            return;
          }
          const tx = db.transaction(['sync_meta', ...present], 'readonly');
          const rows = tx.objectStore('sync_meta').getAll();
          const counts = present.map((n) => tx.objectStore(n).count());
          tx.oncomplete = () => {
            const out: Partial<Record<string, StoredType>> = {};
            for (const row of rows.result as (StoredType & { resource: string })[]) {
              const count = counts[present.indexOf(row.resource)]?.result ?? -1;
              out[row.resource] = {
                lastVersion: row.lastVersion,
                epoch: row.epoch,
                digest: row.digest,
                count,
              };
            }
            db.close();
            resolve(out);
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    [...RESOURCE_NAMES],
  ) as Promise<Partial<Record<ResourceName, StoredType>>>;
}

/** What the device must hold once it verified every type against the server's status. */
export function expectedTypes(status: SyncStatus): Record<ResourceName, StoredType> {
  return Object.fromEntries(
    RESOURCE_NAMES.map((r) => [
      r,
      {
        lastVersion: status.versions[r],
        epoch: status.epoch,
        digest: status.digests[r],
        count: status.counts[r],
      },
    ]),
  ) as Record<ResourceName, StoredType>;
}

/** Each Diagnostics row as `{ resource: [local version, server version, local digest, server digest] }`. */
export function diagnosticsRows(tab: EngineTab): Promise<Record<string, string[]>> {
  return tab.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('tr[data-resource]')].map((row) => [
        row.getAttribute('data-resource') ?? '',
        [
          ...(row.querySelector('[data-testid="versions"]')?.textContent ?? '').split(' / '),
          ...[...row.querySelectorAll('[data-testid="digests"] code')].map((c) => c.textContent ?? ''),
        ],
      ]),
    ),
  );
}

/**
 * Starts noting when the product's name on the menu first reads `name` (page clock, ms):
 * a MutationObserver, so the moment is exact whatever the polling costs. `seenAt` reads it.
 */
export async function watchProductName(tab: EngineTab, productId: string, name: string): Promise<void> {
  await tab.evaluate(
    (id, text) => {
      const w = window as unknown as { nameSeenAt: number | null };
      w.nameSeenAt = null;
      const look = () => {
        const shown = document.querySelector(`[data-product-id="${id}"] .product__name`)?.textContent;
        if (shown === text && w.nameSeenAt === null) w.nameSeenAt = Date.now();
      };
      new MutationObserver(look).observe(document.body, {
        subtree: true,
        childList: true,
        characterData: true,
      });
      look();
    },
    productId,
    name,
  );
}

/** When the watched name showed (ms since epoch), waiting for it up to `timeout`. */
export function seenAt(tab: EngineTab, timeout = PAGE_TIMEOUT_MS): Promise<number> {
  return waitInPage(
    tab,
    'the watched name on the menu',
    () => (window as unknown as { nameSeenAt: number | null }).nameSeenAt,
    [],
    timeout,
  );
}

/** Saves test-results/screenshots/<name>.png (gitignored), to look at after UI changes. */
export async function screenshot(tab: EngineTab, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  writeFileSync(join(SCREENSHOT_DIR, `${name}.png`), await tab.screenshot());
}
