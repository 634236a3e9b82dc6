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
