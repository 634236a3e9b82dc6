/**
 * Before the engines project runs: are WebKitGTK (MiniBrowser, WebKitWebDriver, Xvfb) and
 * Firefox ESR here? npm cannot bring them, so where this run may install Debian packages
 * (root, Debian, apt-get) it installs the missing ones, as .ci/run does. Whatever is still
 * missing is handed to the test files (`inject('missingEngines')`): each file of that
 * engine then fails with one line saying that it did not run and how to get it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { findExecutable } from '../helpers/engine';
import { FIREFOX_PACKAGES, missingForFirefox } from '../helpers/firefox';
import { missingForWebKit, WEBKIT_PACKAGES } from '../helpers/webkit';
import type { MissingEngines } from './availability';

const ENGINES = {
  webkit: { name: 'WebKit', missing: missingForWebKit, packages: WEBKIT_PACKAGES },
  firefox: { name: 'Firefox', missing: missingForFirefox, packages: FIREFOX_PACKAGES },
} as const;

/** Root on Debian with apt-get: the run may install what it needs, as .ci/run does. */
function mayInstall(): boolean {
  return process.getuid?.() === 0 && existsSync('/etc/debian_version') && findExecutable('apt-get') !== null;
}

/** Runs apt-get; returns its failure as one line, or null. */
function aptGet(args: string[]): string | null {
  const run = spawnSync('apt-get', args, {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 15 * 60_000,
  });
  if (run.status === 0) return null;
  const last = `${run.stderr ?? ''}${run.error?.message ?? ''}`.trim().split('\n').pop();
  return `apt-get ${args[0]} failed (${run.status ?? run.signal}): ${last ?? ''}`;
}

export default function setup(project: TestProject): void {
  const wanted = Object.values(ENGINES)
    .filter((e) => e.missing().length > 0)
    .flatMap((e) => e.packages);
  let installError: string | null = null;
  if (wanted.length > 0 && mayInstall()) {
    console.log(`engines: installing ${wanted.join(' ')} from Debian for the WebKit and Firefox tests`);
    // Another apt (an unattended upgrade, a second run) may hold the lock for a while: wait for it.
    const lock = ['-o', 'DPkg::Lock::Timeout=300'];
    installError =
      aptGet(['update', '-q', ...lock]) ??
      aptGet(['install', '-y', '-q', '--no-install-recommends', ...lock, ...wanted]);
  }
  const missing: MissingEngines = { webkit: null, firefox: null };
  for (const [key, engine] of Object.entries(ENGINES) as [
    keyof MissingEngines,
    (typeof ENGINES)[keyof MissingEngines],
  ][]) {
    const absent = engine.missing();
    if (absent.length === 0) continue;
    missing[key] =
      `${engine.name} did not run: ${absent.join(', ')} missing` +
      (installError ? ` (${installError})` : '') +
      `; get it with \`sudo apt-get install ${engine.packages.join(' ')}\` (Debian) or run .ci/run`;
    console.warn(`engines: ${missing[key]}`);
  }
  project.provide('missingEngines', missing);
}
