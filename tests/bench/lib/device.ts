/**
 * A fresh device for the peer benchmark: Chromium on a new profile directory (IndexedDB on
 * disk, as on a tablet, not an in-memory incognito store), whose page script runs as the
 * document starts, so "navigation → all items stored" includes no driver round trip.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium } from '../../helpers/browser';

export interface Device {
  /** For tracing (lib/trace.ts). */
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** Launches Chromium on a new profile and navigates to `url` with `script` run at document start. */
export async function openDevice(url: string, script: string): Promise<Device> {
  const profile = mkdtempSync(join(tmpdir(), 'red-coral-bench-device-'));
  let context: BrowserContext | null = null;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: await findChromium(),
      headless: true,
      args: CHROMIUM_ARGS,
      serviceWorkers: 'block',
    });
    const browser = context.browser();
    if (!browser) throw new Error('persistent context has no browser handle');
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(120_000);
    await context.addInitScript({ content: script });
    await page.goto(url);
    const opened = context;
    return {
      browser,
      context: opened,
      page,
      async close() {
        await opened.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}
