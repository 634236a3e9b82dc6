import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncEngine } from '../../src/sync/types';
import { until } from '../helpers/wait';
import { FakeServer, product } from './support/fakeServer';
import { startTwoTabs } from './support/setup';

let server: FakeServer;
const engines: SyncEngine[] = [];

beforeEach(() => {
  server = new FakeServer();
  server.seed('product', [product('p1', 'Soup', 450)]);
});

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop()));
});

const twoTabs = () => startTwoTabs(server, engines);

describe('one event stream per browser', () => {
  it('only the leader tab opens an EventSource; the other tab gets every event relayed', async () => {
    const { first, second } = await twoTabs();
    expect(first.connection.getState().isLeader).toBe(true);
    expect(second.connection.getState().isLeader).toBe(false);
    expect(server.streams.size).toBe(1);
    await until(() => expect(second.connection.getState().state).toBe('online'));
    server.commit('product', 'updated', product('p1', 'Soup', 480));
    await until(() => expect(second.stores.product.getState().byId.p1?.priceCents).toBe(480));
    expect(first.stores.product.getState().byId.p1?.priceCents).toBe(480);
    expect(server.count('GET', '/api/sync/changes')).toBe(0);
  });

  it('when the leader tab closes, the other tab takes over the stream where it left off', async () => {
    const { first, second } = await twoTabs();
    const seen = server.commit('product', 'updated', product('p1', 'Soup', 460));
    await until(() => expect(second.stores.product.getState().lastVersion).toBe(2));
    await first.stop();
    engines.splice(engines.indexOf(first), 1);
    await until(() => expect(second.connection.getState().isLeader).toBe(true));
    await until(() => expect(second.connection.getState().state).toBe('online'));
    expect(server.streams.size).toBe(1);
    const [stream] = [...server.streams];
    expect(stream?.url).toContain(`lastEventId=${encodeURIComponent(`${seen.epoch}/${seen.version}`)}`);
    server.commit('product', 'created', product('p2', 'Bread', 300));
    await until(() => expect(second.stores.product.getState().items.map((i) => i.id)).toEqual(['p1', 'p2']));
  });

  it('a follower hears when the leader loses the stream', async () => {
    const { second } = await twoTabs();
    await until(() => expect(second.connection.getState().state).toBe('online'));
    server.goDown();
    await until(() => expect(second.connection.getState().state).toBe('offline'));
    server.goUp();
    await until(() => expect(second.connection.getState().state).toBe('online'));
  });
});

describe('a tab the browser freezes (Page Lifecycle)', () => {
  it('a frozen leader lets go: the other tab leads at once; resumed, it follows, and there is one stream throughout', async () => {
    const { first, second, lifecycles } = await twoTabs();
    await until(() => expect(second.connection.getState().state).toBe('online'));
    const [before] = [...server.streams];
    const logged = first.log.getState().entries.length;

    lifecycles[0].freeze();
    // Synchronously, inside the freeze handler: after it the tab runs nothing.
    expect(first.connection.getState().isLeader).toBe(false);
    expect(before?.readyState).toBe(2);
    // No log line, so no IndexedDB write that would stay open in the frozen tab and block the others.
    expect(first.log.getState().entries).toHaveLength(logged);
    await until(() => expect(second.connection.getState().isLeader).toBe(true));
    await until(() => expect(second.connection.getState().state).toBe('online'));
    expect(server.streams.size).toBe(1);
    server.commit('product', 'updated', product('p1', 'Soup', 470));
    await until(() => expect(second.stores.product.getState().byId.p1?.priceCents).toBe(470));

    // Frozen, it ignored what was relayed to it; the check its rejoining runs catches it up.
    expect(first.stores.product.getState().byId.p1?.priceCents).toBe(450);
    lifecycles[0].resume();
    await until(() => expect(first.stores.product.getState().byId.p1?.priceCents).toBe(470));
    await until(() => expect(first.connection.getState().state).toBe('online'));
    expect(first.connection.getState().isLeader).toBe(false);
    expect(second.connection.getState().isLeader).toBe(true);
    expect(server.streams.size).toBe(1);
    server.commit('product', 'updated', product('p1', 'Soup', 490));
    await until(() => expect(first.stores.product.getState().byId.p1?.priceCents).toBe(490));
    expect(server.streams.size).toBe(1);
  });

  it('a frozen follower leaves the queue: the lock goes to a tab that can use it; resumed, it follows', async () => {
    const { first, second, lifecycles, openTab } = await twoTabs();
    await until(() => expect(second.connection.getState().state).toBe('online'));
    lifecycles[1].freeze();
    await first.stop();
    engines.splice(engines.indexOf(first), 1);
    // Had the frozen tab kept its place in the queue, it would hold the lock now and this tab would wait.
    const third = await openTab();
    await until(() => expect(third.connection.getState().isLeader).toBe(true));
    await until(() => expect(third.connection.getState().state).toBe('online'));
    expect(second.connection.getState().isLeader).toBe(false);
    expect(server.streams.size).toBe(1);

    lifecycles[1].resume();
    await until(() => expect(second.connection.getState().state).toBe('online'));
    expect(second.connection.getState().isLeader).toBe(false);
    expect(server.streams.size).toBe(1);
  });

  it('freezing twice or resuming an awake tab changes nothing', async () => {
    const { first, second, lifecycles } = await twoTabs();
    lifecycles[1].resume();
    lifecycles[0].freeze();
    lifecycles[0].freeze();
    await until(() => expect(second.connection.getState().isLeader).toBe(true));
    lifecycles[0].resume();
    lifecycles[0].resume();
    await until(() => expect(first.connection.getState().state).toBe('online'));
    expect(first.connection.getState().isLeader).toBe(false);
    expect(server.streams.size).toBe(1);
  });
});
