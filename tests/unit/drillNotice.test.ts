import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DrillNotice } from '../../src/shared/drills';
import { readDrillNotice } from '../../src/sync/drillNotice';
import type { SyncEngine, SyncLogEntry } from '../../src/sync/types';
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

/** Two tabs of one browser: the first leads the stream, the second hears it relayed. */
async function twoTabs() {
  const { first: leader, second: follower } = await startTwoTabs(server, engines);
  await until(() => expect(follower.connection.getState().state).toBe('online'));
  return { leader, follower };
}

function notice(fault: DrillNotice['fault'], message: string): DrillNotice {
  return { epoch: server.epoch, fault, message };
}

/** The lines an engine logged for drill notices. */
const injected = (e: SyncEngine): Pick<SyncLogEntry, 'kind' | 'message' | 'drill'>[] =>
  e.log
    .getState()
    .entries.filter((x) => x.drill !== undefined)
    .map(({ kind, message, drill }) => ({ kind, message, drill }));

const faultMessages = (e: SyncEngine): string[] =>
  e.log
    .getState()
    .entries.filter((x) => x.kind === 'fault')
    .map((x) => x.message);

describe('drill notices', () => {
  it('reach the sync log of the leader tab and of a follower tab as injected faults', async () => {
    const { leader, follower } = await twoTabs();
    for (const s of server.streams)
      s.dispatch('drill', notice('drop', 'Drill: dropping the next 5 product sync events'));
    const expected = [
      {
        kind: 'fault',
        message: 'Injected fault: Drill: dropping the next 5 product sync events',
        drill: 'drop',
      },
    ];
    await until(() => expect(injected(follower)).toEqual(expected));
    expect(injected(leader)).toEqual(expected);
    expect(server.streams.size).toBe(1);
  });

  it('only log: the engine repairs the fault by its own rules, not because it was told', async () => {
    const { leader } = await twoTabs();
    server.requests = [];
    for (const s of server.streams) s.dispatch('drill', notice('rotate_epoch', 'Drill: epoch rotated'));
    await until(() => expect(injected(leader)).toHaveLength(1));
    await leader.check('test settles');
    expect(server.requests.map((r) => r.path)).toEqual(['/api/sync/status']);
  });

  it('malformed drill data is ignored with a plain fault line, and the stream goes on', async () => {
    const { leader, follower } = await twoTabs();
    const [stream] = [...server.streams];
    const bad = [
      'not json',
      'null',
      '"drop"',
      '[]',
      JSON.stringify({ epoch: server.epoch, fault: 'drop' }),
      JSON.stringify({ epoch: server.epoch, fault: 'drop', message: 5 }),
      JSON.stringify({ epoch: server.epoch, fault: 'explode', message: 'Drill: boom' }),
      JSON.stringify({ epoch: server.epoch, fault: 'cut', message: '   ' }),
    ];
    for (const text of bad) stream?.dispatchRaw('drill', text);
    // The stream still carries events to both tabs.
    server.commit('product', 'updated', product('p1', 'Soup', 480));
    await until(() => expect(follower.stores.product.getState().byId.p1?.priceCents).toBe(480));
    expect(leader.stores.product.getState().byId.p1?.priceCents).toBe(480);
    expect(faultMessages(leader)).toEqual(bad.map(() => 'unreadable drill event; ignored'));
    // Nothing bad is relayed: the follower logs nothing for them.
    expect(faultMessages(follower)).toEqual([]);
    expect(injected(leader)).toEqual([]);
    expect(leader.connection.getState().state).toBe('online');
    // A good notice after them is still logged by both.
    stream?.dispatch('drill', notice('cut', 'Drill: cutting 1 stream'));
    await until(() => expect(injected(follower)).toHaveLength(1));
    expect(injected(leader)).toEqual(injected(follower));
  });
});

describe('readDrillNotice', () => {
  it('accepts a notice of a known fault or action, trimmed and capped', () => {
    expect(
      readDrillNotice({ epoch: 'e', fault: 'stall_heartbeats', message: ' Drill: stalling heartbeats ' }),
    ).toEqual({ epoch: 'e', fault: 'stall_heartbeats', message: 'Drill: stalling heartbeats' });
    expect(readDrillNotice({ epoch: 'e', fault: 'wipe', message: 'x'.repeat(600) })?.message).toHaveLength(
      500,
    );
  });

  it('refuses anything else', () => {
    for (const data of [
      null,
      'drop',
      42,
      [],
      {},
      { epoch: 'e', fault: 'drop' },
      { epoch: 1, fault: 'drop', message: 'm' },
    ])
      expect(readDrillNotice(data)).toBeNull();
    expect(readDrillNotice({ epoch: 'e', fault: 'unknown', message: 'm' })).toBeNull();
  });
});
