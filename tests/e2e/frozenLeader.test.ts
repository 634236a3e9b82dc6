/**
 * A frozen leader tab, in Chromium: the browser freezes background tabs (Page Lifecycle),
 * and a frozen tab runs no JavaScript yet keeps its Web Lock. The leader must let go as it
 * freezes, so another tab takes the event stream over within 2 s; unfrozen, it follows,
 * and the browser still holds exactly one stream. Streams are counted at the server
 * (drill mode lists them, `GET /api/drills`). Chromium is attached over CDP without
 * Playwright's focus emulation, which would keep the page visible and unfreezable.
 */
import type { CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '../../src/shared/resources';
import { buildAppOnce, launchFreezableChromium } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';
import {
  type ApiClient,
  apiClient,
  eventStreams,
  expectStatus,
  signIn,
  soleStreamOtherThan,
} from './support';

let server: TestServer;
let chromium: Awaited<ReturnType<typeof launchFreezableChromium>>;
let api: ApiClient;
let leader: Page;
let follower: Page;
let cdp: CDPSession;
let dish: Item<'product'>;

/** Renames the dish through the API and waits until `page` shows the new name. */
async function renameAndSee(page: Page, name: string): Promise<void> {
  await api.update('product', dish.id, { name });
  await page.waitForFunction(
    ([id, text]) => document.querySelector(`[data-product-id="${id}"] .product__name`)?.textContent === text,
    [dish.id, name] as const,
    { timeout: 15_000, polling: 50 },
  );
}

beforeAll(async () => {
  await buildAppOnce();
  [server, chromium] = await Promise.all([
    startServer({ env: { RED_CORAL_DRILLS: '1' } }),
    launchFreezableChromium(),
  ]);
  api = apiClient(server.url, await server.login());
  dish = (await api.list('product'))[0]!;
  const { context } = chromium;
  leader = context.pages()[0] ?? (await context.newPage());
  await leader.goto(`${server.url}/`);
  await signIn(leader, server.adminPin);
  follower = await context.newPage();
  await follower.goto(`${server.url}/#/menu`);
  await expectStatus(follower, 'Online');
  cdp = await context.newCDPSession(leader);
});

afterAll(async () => {
  await chromium?.close();
  await server?.stop();
});

describe('a frozen leader tab', () => {
  it('hands the stream over within 2 s; unfrozen, it follows, and there is still exactly one stream', async () => {
    const [first, ...others] = await eventStreams(api);
    expect(others).toEqual([]);
    await leader.goto(`${server.url}/#/menu`);

    const frozenAt = Date.now();
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
    const second = await soleStreamOtherThan(api, first!, 15_000);
    expect(Date.now() - frozenAt).toBeLessThan(2_000);
    await expectStatus(follower, 'Online');
    await renameAndSee(follower, `${dish.name} (while frozen)`);

    await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    // Freezing hid the tab, and headless Chromium leaves it hidden: poll on a timer.
    await expectStatus(leader, 'Online', 15_000, 50);
    // What it missed while frozen is caught up; what comes next is relayed to it.
    await leader.waitForFunction(
      ([id, text]) =>
        document.querySelector(`[data-product-id="${id}"] .product__name`)?.textContent === text,
      [dish.id, `${dish.name} (while frozen)`] as const,
      { timeout: 15_000, polling: 50 },
    );
    await renameAndSee(leader, `${dish.name} (after)`);
    expect((await eventStreams(api)).map((s) => s.id)).toEqual([second.id]);
  });
});
