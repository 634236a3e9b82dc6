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
import type { Item, ResourceName } from '../../src/shared/resources';
import { RESOURCES } from '../../src/shared/resources';

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

/** Sync log kinds on the diagnostics page, newest first. */
export async function logKinds(page: Page): Promise<string[]> {
  return page.$$eval('[aria-label="Sync log"] [data-kind]', (rows) =>
    rows.map((r) => r.getAttribute('data-kind') ?? ''),
  );
}

/** Saves test-results/screenshots/<name>.png; `fullPage` for screens whose point is below the fold. */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // Let the highlight animation and late images settle so the picture shows the steady screen.
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage });
}

/** A tiny client of the server's REST API, signed in with a bearer token. */
export function apiClient(baseUrl: string, token: string) {
  const call = async <T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${baseUrl}${path}`, {
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
