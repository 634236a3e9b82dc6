/**
 * Chromium as an `EngineBrowser` (engine.ts), so the cross-engine tests run on the
 * reference engine too: the suite's own Chromium (browser.ts) in a fresh context.
 */
import type { Page } from 'playwright-core';
import { launchBrowser } from './browser';
import {
  buttonXPath,
  type EngineBrowser,
  type EngineTab,
  labelledInputXPath,
  STEP_TIMEOUT_MS,
} from './engine';

function tab(page: Page): EngineTab {
  return {
    async goto(path) {
      await page.goto(path, { waitUntil: 'load', timeout: STEP_TIMEOUT_MS * 2 });
    },
    async reload() {
      await page.reload({ waitUntil: 'load', timeout: STEP_TIMEOUT_MS * 2 });
    },
    // The same contract as the other engines: the function travels as source text.
    evaluate: (fn, ...args) => page.evaluate(`(${fn.toString()}).apply(null, ${JSON.stringify(args)})`),
    async fill(label, text) {
      await page
        .locator(`xpath=${labelledInputXPath(label)}`)
        .first()
        .fill(text, { timeout: STEP_TIMEOUT_MS });
    },
    async click(name) {
      await page
        .locator(`xpath=${buttonXPath(name)}`)
        .first()
        .click({ timeout: STEP_TIMEOUT_MS });
    },
    async screenshot() {
      return Buffer.from(await page.screenshot());
    },
    async close() {
      await page.close();
    },
  };
}

/** Headless Chromium through playwright-core; its tabs are pages of one context. */
export async function launchChromium(baseUrl: string): Promise<EngineBrowser> {
  const browser = await launchBrowser();
  const context = await browser.newContext({ baseURL: baseUrl, serviceWorkers: 'allow' });
  return {
    name: 'chromium',
    label: `Chromium ${browser.version()}`,
    newTab: async () => tab(await context.newPage()),
    close: () => browser.close(),
  };
}
