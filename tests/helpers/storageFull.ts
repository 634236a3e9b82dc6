/**
 * A full disk, on demand, for a Chromium profile. Chromium's quota override (CDP
 * Storage.overrideQuotaForOrigin) changes what navigator.storage.estimate() reports but,
 * in Chromium 143, does not make IndexedDB refuse writes; so pages get a switch that makes
 * IndexedDB's `put`/`add` throw the same DOMException ('QuotaExceededError') a full disk
 * raises, while a localStorage flag is set. Reads and deletes still work, as they do on a
 * full disk. Everything above IndexedDB (Dexie, the engine, the app) is the real code.
 */
import type { BrowserContext, Page } from 'playwright-core';

const FLAG = 'red-coral.test.storage-full';

/** Runs in every page before the app. */
function installQuotaSwitch(flag: string): void {
  const store = IDBObjectStore.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ['put', 'add']) {
    const original = store[method]!;
    store[method] = function (this: IDBObjectStore, ...args: unknown[]) {
      if (localStorage.getItem(flag) === '1')
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return original.apply(this, args);
    };
  }
}

/** Gives every page of the profile the switch (call before opening pages). */
export async function allowStorageFull(context: BrowserContext): Promise<void> {
  await context.addInitScript(installQuotaSwitch, FLAG);
}

/** Fills or frees the profile's storage: every tab of the origin sees it at once. */
export async function setStorageFull(page: Page, full: boolean): Promise<void> {
  await page.evaluate(([flag, on]) => localStorage.setItem(flag, on ? '1' : '0'), [FLAG, full] as const);
}
