/**
 * The outbox against the real server process: a write whose answer was lost is replayed
 * with its Idempotency-Key and the server applies it once (and says it replayed); writes
 * queued while the server is down are sent after it restarts, each exactly once.
 */
import { EventSource } from 'eventsource';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangesResponse, SyncStatus } from '../../src/shared/protocol';
import { createSyncEngine } from '../../src/sync/engine';
import type { SyncEngine } from '../../src/sync/types';
import { startServer, type TestServer } from '../helpers/server';
import { until } from '../helpers/wait';

const servers: TestServer[] = [];
const engines: SyncEngine[] = [];

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

/** What the engine's writes got back: status and whether the server replayed a stored answer. */
interface Answer {
  method: string;
  status: number;
  replayed: string | null;
}

function engine(url: string, token: string, loseAnswers: { count: number }) {
  const answers: Answer[] = [];
  const losingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const method = init?.method ?? 'GET';
    if (method !== 'GET') {
      answers.push({
        method,
        status: response.status,
        replayed: response.headers.get('idempotent-replayed'),
      });
      // The server committed; the tablet never hears the answer (Wi-Fi dropped at that moment).
      if (loseAnswers.count > 0) {
        loseAnswers.count--;
        throw new TypeError('the connection dropped before the answer arrived');
      }
    }
    return response;
  };
  const e = createSyncEngine({
    baseUrl: url,
    fetch: losingFetch,
    getToken: () => token,
    EventSource,
    dbName: `red-coral-it-outbox-${crypto.randomUUID()}`,
    indexedDB,
    IDBKeyRange,
    locks: null,
    BroadcastChannel: null,
    probeIntervalMs: 100,
    outboxRetryDelaysMs: [100],
  });
  engines.push(e);
  return { engine: e, answers };
}

async function status(url: string): Promise<SyncStatus> {
  return (await (await fetch(`${url}/api/sync/status`)).json()) as SyncStatus;
}

async function changesSince(url: string, token: string, since: number): Promise<ChangesResponse<'product'>> {
  const response = await fetch(`${url}/api/sync/changes?resource=product&since=${since}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return (await response.json()) as ChangesResponse<'product'>;
}

describe('the outbox against the real server', () => {
  it('an entry whose answer was lost is sent again with its key, and the server applies it once', async () => {
    const s = await startServer();
    servers.push(s);
    const token = await s.login();
    const lose = { count: 1 };
    const { engine: e, answers } = engine(s.url, token, lose);
    await e.start();
    await until(() => expect(e.connection.getState().state).toBe('online'));
    const before = (await status(s.url)).versions.product;
    const target = e.stores.product.getState().items[0]!;

    const queued = await e.stores.product
      .getState()
      .queueUpdate(target.id, { priceCents: target.priceCents + 7 });
    const stored = await queued.settled;

    expect(answers).toEqual([
      { method: 'PATCH', status: 200, replayed: null },
      { method: 'PATCH', status: 200, replayed: 'true' },
    ]);
    expect(stored).toMatchObject({ id: target.id, priceCents: target.priceCents + 7, version: before + 1 });
    expect((await status(s.url)).versions.product).toBe(before + 1);
    const { changes } = await changesSince(s.url, token, before);
    expect(changes.map((c) => `${c.action} ${c.id}`)).toEqual([`updated ${target.id}`]);
    await until(() => expect(e.stores.product.getState().lastVersion).toBe(before + 1));
    expect(e.stores.product.getState().byId[target.id]?.priceCents).toBe(target.priceCents + 7);
    await until(() => expect(e.outbox.store.getState().entries).toEqual([]));
    expect(e.log.getState().entries.find((x) => x.kind === 'write')?.message).toMatch(/after 2 attempts/);
  });

  it('writes queued while the server is down are sent after its restart, each exactly once', async () => {
    const s = await startServer();
    servers.push(s);
    const token = await s.login();
    const { engine: e, answers } = engine(s.url, token, { count: 0 });
    await e.start();
    await until(() => expect(e.connection.getState().state).toBe('online'));
    const before = (await status(s.url)).versions.product;
    const [a, b, c] = e.stores.product.getState().items;

    await s.stop();
    await until(() => expect(e.connection.getState().state).toBe('offline'));
    const products = e.stores.product.getState();
    await products.queueUpdate(a!.id, { name: `${a!.name} (outbox)` });
    await products.queueUpdate(b!.id, { priceCents: b!.priceCents + 1 });
    await products.queueUpdate(c!.id, { active: false });
    expect(e.stores.product.getState().pending).toEqual({
      [a!.id]: 'pending',
      [b!.id]: 'pending',
      [c!.id]: 'pending',
    });

    await s.restart();
    await until(() => expect(e.outbox.store.getState().entries).toEqual([]));
    expect((await status(s.url)).versions.product).toBe(before + 3);
    const { changes } = await changesSince(s.url, token, before);
    expect(changes.map((x) => x.id)).toEqual([a!.id, b!.id, c!.id]);
    expect(answers.filter((x) => x.status === 200)).toHaveLength(3);
    await until(() => expect(e.stores.product.getState().lastVersion).toBe(before + 3));
    expect(e.stores.product.getState().byId[c!.id]?.active).toBe(false);
  });
});
