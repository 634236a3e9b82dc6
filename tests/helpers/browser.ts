/**
 * Chromium for the end-to-end suite, and the built app it drives.
 *
 * Browser: `CHROMIUM_PATH` when set, else /usr/bin/chromium when present, else the
 * headless build shipped by the `@sparticuz/chromium` devDependency (unpacked to /tmp on
 * first use), so `npm test` works after a plain `npm install` with no system browser.
 *
 * Build: the e2e files share one `vite build` per change of the sources: the first file
 * builds, later files find dist/ newer than every source and reuse it. A directory lock
 * keeps two processes from building at once.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { startHelper } from './processes';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Flags for a headless browser in a container on two cores: no GPU, no background traffic. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

/** The Chromium binary to drive (see the module comment for the order). */
export async function findChromium(): Promise<string> {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  const { default: sparticuz } = await import('@sparticuz/chromium');
  return sparticuz.executablePath();
}

/**
 * Headless Chromium. `args` come on top of CHROMIUM_ARGS; `env` replaces the browser's
 * environment (e.g. a HOME whose NSS database trusts the venue CA, tests/helpers/tls.ts).
 */
export async function launchBrowser(
  options: { args?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<Browser> {
  return chromium.launch({
    executablePath: await findChromium(),
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
    env: options.env,
  });
}

/**
 * Chromium whose pages the browser may hide and freeze: Playwright's own launch turns on
 * focus emulation in every page, which keeps it "visible" and makes CDP's
 * `Page.setWebLifecycleState frozen` a no-op. Attached over CDP with `noDefaults`, the
 * default context's pages get no such override. Its one profile is a fresh temp dir.
 */
export async function launchFreezableChromium(): Promise<{
  browser: Browser;
  context: BrowserContext;
  /** Disconnects, ends the browser process and removes its profile. */
  close(): Promise<void>;
}> {
  const profile = mkdtempSync(join(tmpdir(), 'red-coral-chromium-'));
  const chrome = startHelper(await findChromium(), [
    ...CHROMIUM_ARGS,
    '--headless',
    `--user-data-dir=${profile}`,
    '--remote-debugging-address=127.0.0.1',
    '--remote-debugging-port=0',
    'about:blank',
  ]);
  const close = async () => {
    await chrome.stop();
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    const endpoint = await new Promise<string>((found, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`Chromium printed no DevTools address:\n${chrome.output()}`)),
        60_000,
      );
      chrome.child.stderr?.on('data', () => {
        const match = /DevTools listening on (ws:\/\/\S+)/.exec(chrome.output());
        if (!match) return;
        clearTimeout(timer);
        found(match[1]!);
      });
      chrome.child.once('exit', (code) => fail(new Error(`Chromium exited (${code}):\n${chrome.output()}`)));
    });
    const browser = await chromium.connectOverCDP(endpoint, {
      noDefaults: true,
      isLocal: true,
      timeout: 60_000,
    });
    const [context] = browser.contexts();
    if (!context) throw new Error('Chromium over CDP has no default context');
    return {
      browser,
      context,
      close: async () => {
        await browser.close();
        await close();
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Screen sizes every screen is checked and photographed at. */
export const VIEWPORTS = {
  portrait: { width: 768, height: 1024 },
  landscape: { width: 1280, height: 800 },
} as const;

/** A fresh profile (its own IndexedDB, localStorage, service worker) on the test server. */
export async function newDevice(
  browser: Browser,
  baseURL: string,
  viewport: { width: number; height: number } = VIEWPORTS.landscape,
  /** The tablet's own clock zone, e.g. one that is not the venue's. */
  timezoneId?: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, viewport, serviceWorkers: 'allow', timezoneId });
  const page = await context.newPage();
  return { context, page };
}

const SOURCES = ['index.html', 'vite.config.ts', 'public', 'src/app', 'src/sw', 'src/shared', 'src/sync'];
const STAMP = join(projectRoot, 'dist', '.e2e-build-stamp');
const LOCK = join(projectRoot, 'node_modules', '.cache', 'red-coral-e2e-build.lock');

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

function isBuildFresh(): boolean {
  if (!existsSync(STAMP)) return false;
  const built = statSync(STAMP).mtimeMs;
  return SOURCES.every((s) => newestMtime(join(projectRoot, s)) < built);
}

function runViteBuild(): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(projectRoot, 'node_modules/vite/bin/vite.js'), 'build'], {
      cwd: projectRoot,
      // Vitest sets NODE_ENV=test, which would make Vite build a development bundle
      // (React's dev build, import.meta.env.DEV true, so no service worker).
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('exit', (code) =>
      code === 0 ? done() : fail(new Error(`vite build failed (${code}):\n${output}`)),
    );
  });
}

async function withLock<T>(task: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(LOCK), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // A lock older than the deadline is from a crashed run.
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 180_000)
        rmSync(LOCK, { recursive: true });
      if (Date.now() > deadline) throw new Error(`build lock ${LOCK} held too long`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await task();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** Builds dist/ unless it is newer than every source; safe to call from every e2e file. */
export async function buildAppOnce(): Promise<void> {
  if (isBuildFresh()) return;
  await withLock(async () => {
    if (isBuildFresh()) return;
    await runViteBuild();
    writeFileSync(STAMP, new Date().toISOString());
  });
}
