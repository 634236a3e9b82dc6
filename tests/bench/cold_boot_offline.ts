/**
 * cold_boot_offline: the built PWA in Chromium, 10,000 products synced once; then the
 * server is stopped and the browser relaunched on the same profile (a cold start of the
 * renderer, service worker and IndexedDB from disk): navigation → first product card of
 * the menu painted. Baseline: the same cold boot with the server up (online boot).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { buildAppOnce, CHROMIUM_ARGS, findChromium, VIEWPORTS } from '../helpers/browser';
import type { Benchmark } from './lib/bench';
import { result, round } from './lib/figures';
import { ADMIN_PIN } from './lib/seed';
import { startBenchServer } from './lib/server';
import { bySize } from './lib/sizes';
import { median } from './lib/stats';

/**
 * Runs in every document before its scripts: records when the first product card is in
 * the DOM and when the frame after it is painted (performance.now(), from navigation start).
 */
const MENU_PROBE = `(() => {
  const found = () => {
    if (!document.querySelector('[data-product-id]')) return false;
    window.__menuInDom = performance.now();
    requestAnimationFrame(() => setTimeout(() => { window.__menuPainted = performance.now(); }, 0));
    return true;
  };
  const observer = new MutationObserver(() => { if (found()) observer.disconnect(); });
  observer.observe(document, { childList: true, subtree: true });
})();`;

async function launch(profile: string, executablePath: string): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: VIEWPORTS.landscape,
    serviceWorkers: 'allow',
  });
  await context.addInitScript(MENU_PROBE);
  return context;
}

/** One cold boot: fresh browser on the profile, navigate, wait for the menu. */
async function bootOnce(profile: string, executablePath: string, url: string) {
  const context = await launch(profile, executablePath);
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(url);
    await page.waitForFunction(
      () => (window as { __menuPainted?: number }).__menuPainted !== undefined,
      undefined,
      {
        timeout: 60_000,
      },
    );
    return await page.evaluate(() => {
      const w = window as { __menuInDom?: number; __menuPainted?: number };
      return {
        inDom: w.__menuInDom ?? Number.NaN,
        painted: w.__menuPainted ?? Number.NaN,
        cards: document.querySelectorAll('[data-product-id]').length,
        controlled: navigator.serviceWorker.controller !== null,
      };
    });
  } finally {
    await context.close();
  }
}

export const coldBootOffline: Benchmark = {
  name: 'cold_boot_offline',
  what: 'server down: navigation → menu painted from the service worker and IndexedDB',
  async run(ctx) {
    const products = bySize(ctx.size, { full: 10_000, quick: 5000, smoke: 100 });
    const reps = bySize(ctx.size, { full: 7, quick: 3, smoke: 1 });
    ctx.log('building the app (if stale)');
    await buildAppOnce();
    const executablePath = await findChromium();
    const profile = mkdtempSync(join(tmpdir(), 'red-coral-bench-profile-'));
    const bench = await startBenchServer(products);
    let serverUp = true;
    try {
      // First visit: sign in, sync everything, let the service worker take control.
      const first = await launch(profile, executablePath);
      try {
        const page = first.pages()[0] ?? (await first.newPage());
        page.setDefaultTimeout(120_000);
        await page.goto(bench.server.url);
        await page.getByLabel('PIN').fill(ADMIN_PIN);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForFunction(
          () => document.querySelector('[role="status"][aria-label="Sync status"]')?.textContent === 'Online',
        );
        await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
        await page.waitForFunction(
          (n) => document.querySelectorAll('[data-product-id]').length >= n,
          products,
        );
      } finally {
        await first.close();
      }
      ctx.log(`online boots (${reps})`);
      const online: number[] = [];
      for (let r = 0; r < reps; r++)
        online.push((await bootOnce(profile, executablePath, bench.server.url)).painted);
      await bench.server.stop();
      serverUp = false;
      ctx.log(`offline boots (${reps})`);
      const offline: { painted: number; inDom: number; cards: number; controlled: boolean }[] = [];
      for (let r = 0; r < reps; r++) offline.push(await bootOnce(profile, executablePath, bench.server.url));
      if (offline.some((o) => !o.controlled))
        throw new Error('an offline boot was not served by the service worker');
      const painted = offline.map((o) => o.painted);
      return [
        result({
          name: 'cold_boot_offline_p50',
          value: median(painted),
          unit: 'ms',
          baseline: median(online),
          baselineIs: 'the same cold boot with the server up (online boot)',
          target: { on: 'value', op: '<=', limit: 1000 },
          detail:
            `${products} products (+ the demo's 120), ${reps} browser relaunches on one profile (medians); ` +
            `navigation start → frame after the first product card; offline runs ${painted.map(round).join(', ')} ms, ` +
            `first card in the DOM at ${round(median(offline.map((o) => o.inDom)))} ms, ${offline[0]?.cards ?? 0} cards rendered`,
        }),
      ];
    } finally {
      if (serverUp) await bench.close();
      else await bench.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    }
  },
};
