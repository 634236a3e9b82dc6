/**
 * What every end-to-end file shares: signing in through the UI, reading the sync status,
 * talking to the server's API directly (the "other device" of a drill), screenshots.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { DrillState, DrillStream } from '../../src/shared/drills';
import { ruleAppliesTo } from '../../src/shared/pricing';
import type { Item, ResourceName } from '../../src/shared/resources';
import { RESOURCES } from '../../src/shared/resources';
import { exportedLog } from '../helpers/diagnostics';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SCREENSHOT_DIR = join(projectRoot, 'test-results', 'screenshots');

/** The `Sync status` live region. */
export function syncStatus(page: Page): Locator {
  return page.getByRole('status', { name: 'Sync status' });
}

/**
 * Waits until the live region reads exactly `word`. A hidden page gets no animation frames,
 * so waits on one poll every `polling` ms instead.
 */
export async function expectStatus(
  page: Page,
  word: 'Online' | 'Syncing' | 'Offline',
  timeout = 15_000,
  polling: 'raf' | number = 'raf',
) {
  await page.waitForFunction(
    (w) => document.querySelector('[role="status"][aria-label="Sync status"]')?.textContent === w,
    word,
    { timeout, polling },
  );
}

/** Signs in through the PIN screen and waits for the first sync to finish. */
export async function signIn(page: Page, pin: string): Promise<void> {
  if (!page.url().startsWith('http')) await page.goto('/');
  await page.getByLabel('PIN').fill(pin);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expectStatus(page, 'Online');
}

/**
 * Opens a Manage form fresh at `hash` (`#/manage/product/<id>`): leaves for the menu first and
 * waits until the menu shows, so the form a previous step left is unmounted. Two hash
 * changes in a row may reach React as one render: then the old form (same item, same key)
 * stays, with its old draft and its errors, and a click meant for a fresh form saves the
 * stale one.
 */
export async function openForm(page: Page, hash: string): Promise<void> {
  await page.goto('/#/menu');
  await page.locator('#menu-title').waitFor();
  await page.locator('form.resource-form').waitFor({ state: 'detached' });
  await page.goto(`/${hash}`);
  await page.locator('form.resource-form').waitFor();
}

/** Resolves once a service worker controls the page (clients.claim on first install). */
export async function waitForServiceWorker(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
    timeout: 15_000,
  });
}

/** Every product card on the menu as "name price", in page order. */
export async function menuLines(page: Page): Promise<string[]> {
  return page.$$eval('[data-product-id]', (cards) =>
    cards.map(
      (c) =>
        `${c.querySelector('.product__name')?.textContent ?? ''} ${c.querySelector('[data-testid="price"]')?.textContent ?? ''}`,
    ),
  );
}

/** The displayed price of one product on the menu. */
export function priceOn(page: Page, productId: string): Locator {
  return page.locator(`[data-product-id="${productId}"] [data-testid="price"]`);
}

/** A price as the app shows it: the venue's currency (EUR by default), en-US as headless Chromium formats. */
export function money(cents: number, currency = 'EUR'): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
}

/** A price as typed into the form's money input ("12.50" for 1250). */
export function decimal(cents: number): string {
  return (cents / 100).toFixed(2);
}

/**
 * Active products no price rule can touch on the menu's default "Any zone", whatever the
 * time: tests that check a displayed price must not depend on the clock.
 */
export async function productsNoRuleTouches(api: ApiClient): Promise<Item<'product'>[]> {
  const [products, rules, categories] = await Promise.all([
    api.list('product'),
    api.list('price_rule'),
    api.list('category'),
  ]);
  const context = { zoneId: null, categories: Object.fromEntries(categories.map((c) => [c.id, c])) };
  return products.filter((p) => p.active && !rules.some((r) => ruleAppliesTo(r, p, context)));
}

/**
 * Sync log kinds, newest first, from the Diagnostics page's "Export log": the list on the
 * page holds only the rows on screen.
 */
export async function logKinds(page: Page): Promise<string[]> {
  return (await exportedLog(page)).reverse().map((e) => e.kind);
}

/** Saves test-results/screenshots/<name>.png; `fullPage` for screens whose point is below the fold. */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // wait-ok: the highlight animation and late images settle, so the picture shows the steady
  // screen; nothing is asserted on it.
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage });
}

/** A tiny client of the server's REST API, signed in with a bearer token (`fetchWith`: e.g. trusting the venue CA). */
export function apiClient(baseUrl: string, token: string, fetchWith: typeof fetch = fetch) {
  const call = async <T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> => {
    const response = await fetchWith(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  return {
    call,
    async list<R extends ResourceName>(resource: R): Promise<Item<R>[]> {
      const { status, body } = await call<{ items: Item<R>[] }>('GET', RESOURCES[resource].collection);
      expect(status).toBe(200);
      return body.items;
    },
    async create<R extends ResourceName>(resource: R, fields: Record<string, unknown>): Promise<Item<R>> {
      const { status, body } = await call<Item<R>>('POST', RESOURCES[resource].collection, fields);
      expect(status, JSON.stringify(body)).toBe(201);
      return body;
    },
    async update<R extends ResourceName>(
      resource: R,
      id: string,
      patch: Record<string, unknown>,
    ): Promise<Item<R>> {
      const { status, body } = await call<Item<R>>('PATCH', `${RESOURCES[resource].collection}/${id}`, patch);
      expect(status, JSON.stringify(body)).toBe(200);
      return body;
    },
    async remove(resource: ResourceName, id: string): Promise<void> {
      const { status, body } = await call('DELETE', `${RESOURCES[resource].collection}/${id}`);
      expect(status, JSON.stringify(body)).toBe(200);
    },
  };
}

export type ApiClient = ReturnType<typeof apiClient>;

/**
 * The event streams open at the server now, oldest first: `GET /api/drills` lists them
 * on a server in drill mode (`RED_CORAL_DRILLS=1`), so tests can count the browser's streams.
 */
export async function eventStreams(api: ApiClient): Promise<DrillStream[]> {
  const { status, body } = await api.call<DrillState>('GET', '/api/drills');
  expect(status, 'the server must run in drill mode (RED_CORAL_DRILLS=1)').toBe(200);
  return body.streams;
}

/** Waits until the server lists exactly one event stream, and not `old`; returns it. */
export async function soleStreamOtherThan(
  api: ApiClient,
  old: DrillStream,
  timeout: number,
): Promise<DrillStream> {
  let streams: DrillStream[] = [];
  await expect
    .poll(
      async () => {
        streams = await eventStreams(api);
        return streams.length === 1 && streams[0]!.id !== old.id;
      },
      { timeout, interval: 20 },
    )
    .toBe(true);
  return streams[0]!;
}
