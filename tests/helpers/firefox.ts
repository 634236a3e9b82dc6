/**
 * Firefox for the cross-engine tests: Debian's Firefox ESR, headless, driven over W3C
 * WebDriver BiDi by puppeteer-core (any Firefox on PATH will do). Puppeteer gives
 * each launch a fresh temporary profile and removes it on close.
 */
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import {
  buttonXPath,
  type EngineBrowser,
  type EngineTab,
  findExecutable,
  labelledInputXPath,
  STEP_TIMEOUT_MS,
} from './engine';

/** The Debian package that brings what this file needs. */
export const FIREFOX_PACKAGES = ['firefox-esr'];

/** The Firefox binary to drive (Debian's ESR, else any Firefox on PATH), or null when there is none. */
export function findFirefox(): string | null {
  return findExecutable('/usr/bin/firefox-esr', 'firefox-esr', 'firefox');
}

/** The binaries Firefox needs that are missing here (empty when it can run). */
export function missingForFirefox(): string[] {
  return findFirefox() ? [] : ['firefox-esr'];
}

function tab(page: Page, baseUrl: string): EngineTab {
  return {
    async goto(path) {
      await page.goto(new URL(path, baseUrl).href, { waitUntil: 'load', timeout: STEP_TIMEOUT_MS * 2 });
    },
    async reload() {
      await page.reload({ waitUntil: 'load', timeout: STEP_TIMEOUT_MS * 2 });
    },
    // JSON-able arguments and results: Puppeteer's handle mapping does not apply.
    evaluate: (fn, ...args) => page.evaluate(fn as (...values: unknown[]) => unknown, ...args) as never,
    async fill(label, text) {
      const input = page.locator(`::-p-xpath(${labelledInputXPath(label)})`).setTimeout(STEP_TIMEOUT_MS);
      await input.click();
      // Select what is there, so typing replaces it as it does for a person.
      await page.keyboard.down('Control');
      await page.keyboard.press('KeyA');
      await page.keyboard.up('Control');
      await page.keyboard.press('Backspace');
      await page.keyboard.type(text);
    },
    async click(name) {
      await page
        .locator(`::-p-xpath(${buttonXPath(name)})`)
        .setTimeout(STEP_TIMEOUT_MS)
        .click();
    },
    async screenshot() {
      return Buffer.from(await page.screenshot());
    },
    async close() {
      await page.close();
    },
  };
}

/** Firefox ESR over WebDriver BiDi; its tabs share one profile. */
export async function launchFirefox(baseUrl: string): Promise<EngineBrowser> {
  const executablePath = findFirefox();
  if (!executablePath) throw new Error('Firefox cannot run here: no firefox-esr');
  const browser: Browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath,
    headless: true,
    protocol: 'webDriverBiDi',
    timeout: STEP_TIMEOUT_MS * 2,
    protocolTimeout: STEP_TIMEOUT_MS * 2,
  });
  const version = await browser.version();
  // The first tab is the one Firefox opened at start.
  const [first] = await browser.pages();
  let spare: Page | null = first ?? null;
  return {
    name: 'firefox',
    label: `Firefox ${version.replace(/^firefox\//i, '')}`,
    async newTab() {
      const page = spare ?? (await browser.newPage());
      spare = null;
      return tab(page, baseUrl);
    },
    async close() {
      await browser.close();
    },
  };
}
