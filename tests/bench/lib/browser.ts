/**
 * Chromium for the browser benchmarks (found and launched by tests/helpers/browser.ts),
 * with the benchmark page: the engine bundled by esbuild and injected into a document of
 * the server's own origin (its /api/health JSON), so cookies, IndexedDB and EventSource
 * behave exactly as for the app, with no request interception in the way.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from '../../helpers/browser';
import { ADMIN_PIN } from './seed';

const here = dirname(fileURLToPath(import.meta.url));
const bundles = new Map<string, Promise<string>>();

/** A page script (tests/bench/page/`entry`), built once per run. */
export function pageBundle(entry = 'entry.ts'): Promise<string> {
  let bundle = bundles.get(entry);
  if (!bundle) {
    bundle = build({
      entryPoints: [join(here, '..', 'page', entry)],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      define: { 'process.env.NODE_ENV': '"production"' },
      logLevel: 'silent',
    }).then((r) => r.outputFiles[0]!.text);
    bundles.set(entry, bundle);
  }
  return bundle;
}

export interface BenchPage {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** The page's JS heap in use (CDP Runtime.getHeapUsage), bytes. */
  heapUsed(): Promise<number>;
  close(): Promise<void>;
}

/** Launches Chromium and opens the benchmark page on `url`, signed in as the manager. */
export async function openBenchPage(url: string, browser?: Browser): Promise<BenchPage> {
  const script = await pageBundle();
  const ownBrowser = !browser;
  const b = browser ?? (await launchBrowser());
  try {
    // The harness injects its bundle as an inline script, which the server's CSP (rightly)
    // refuses to pages; the engine it measures runs exactly as in the app either way.
    const context = await b.newContext({ serviceWorkers: 'block', bypassCSP: true });
    const page = await context.newPage();
    page.setDefaultTimeout(120_000);
    await page.goto(`${url}/api/health`);
    await page.addScriptTag({ content: script });
    await page.evaluate((pin) => window.bench.login(pin), ADMIN_PIN);
    const cdp = await context.newCDPSession(page);
    return {
      browser: b,
      context,
      page,
      async heapUsed() {
        await cdp.send('HeapProfiler.collectGarbage');
        const usage = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
        return usage.usedSize;
      },
      async close() {
        await context.close();
        if (ownBrowser) await b.close();
      },
    };
  } catch (err) {
    if (ownBrowser) await b.close();
    throw err;
  }
}
