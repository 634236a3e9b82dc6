import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RESOURCE_NAMES } from '../../src/shared/resources';
import { SyncDatabase } from '../../src/sync/db';
import type { SyncEngine } from '../../src/sync/types';
import { until } from '../helpers/wait';
import { category, FakeServer, product, zone } from './support/fakeServer';
import { IDBKeyRange, IDBObjectStore, indexedDB, kinds, makeEngine, uniqueDbName } from './support/setup';

let server: FakeServer;
const engines: SyncEngine[] = [];

function engine(options: Parameters<typeof makeEngine>[1] = {}): SyncEngine {
  const e = makeEngine(server, { resources: ['product', 'category', 'zone'], ...options });
  engines.push(e);
  return e;
}

beforeEach(() => {
  server = new FakeServer();
  server.seed('category', [category('c1', 'Starters'), category('c2', 'Mains')]);
  server.seed('product', [product('p1', 'Soup', 450), product('p2', 'Bread', 300)]);
  server.seed('zone', [zone('z1', 'Terrace')]);
});

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop()));
});

const paths = () => server.requests.map((r) => r.path);

/** Waits until the engine has nothing left to do and says so. */
async function settled(e: SyncEngine): Promise<void> {
  await until(() => expect(e.connection.getState().state).toBe('online'));
  await e.check('test settles');
}

describe('start', () => {
  it('loads a snapshot of each configured type once, and nothing of the others', async () => {
    const e = engine();
    await e.start();
    await settled(e);
    expect(e.stores.product.getState().items.map((i) => i.id)).toEqual(['p1', 'p2']);
    expect(e.stores.category.getState().lastVersion).toBe(2);
    expect(e.stores.zone.getState().isLoaded).toBe(true);
    expect(e.stores.tag.getState().isLoaded).toBe(false);
    for (const path of ['/api/products', '/api/categories', '/api/zones'])
      expect(paths().filter((p) => p === path)).toHaveLength(1);
    expect(server.itemRequests()).toHaveLength(3);
    expect(kinds(e.log.getState().entries)).toContain('snapshot');
  });

  it('an event arriving while the first snapshot loads is applied after it, not lost', async () => {
    const e = engine();
    const gate = server.gate((r) => r.path === '/api/products');
    const starting = e.start();
    await gate.waiting; // the snapshot holds v2
    server.commit('product', 'updated', product('p2', 'Bread', 310)); // v3, live on the stream
    gate.open();
    await starting;
    await until(() => expect(e.stores.product.getState().lastVersion).toBe(3));
    expect(e.stores.product.getState().byId.p2?.priceCents).toBe(310);
    expect(server.count('GET', '/api/products')).toBe(1);
    expect(server.count('GET', '/api/sync/changes')).toBe(0);
  });

  it('a new engine on the same database hydrates its stores without any network', async () => {
    const dbName = uniqueDbName();
    const first = engine({ dbName });
    await first.start();
    await settled(first);
    await first.stop();
    server.goDown();
    server.requests = [];
    const second = engine({ dbName });
    await second.start();
    expect(second.stores.product.getState().items).toEqual(first.stores.product.getState().items);
    expect(second.stores.product.getState().lastVersion).toBe(2);
    expect(second.stores.category.getState().items.map((c) => c.name)).toEqual(['Starters', 'Mains']);
    expect(second.connection.getState().state).toBe('offline');
    expect(second.connection.getState().lastSyncedAt).toBeGreaterThan(0);
    expect(kinds(second.log.getState().entries)).toContain('hydrated');
    // The sync log of the first run was persisted and is shown again.
    expect(kinds(second.log.getState().entries)).toContain('snapshot');
  });
});

describe('reconnect check', () => {
  it('a new epoch with equal digests costs only the status request: items kept, versions adopted', async () => {
    const e = engine();
    await e.start();
    await settled(e);
    const itemsBefore = e.stores.product.getState().items;
    server.requests = [];
    server.restart();
    await until(() => expect(e.stores.product.getState().epoch).toBe(server.epoch));
    await settled(e);
    expect(server.itemRequests()).toEqual([]);
    expect(paths().every((p) => p === '/api/sync/status')).toBe(true);
    expect(e.stores.product.getState().items).toBe(itemsBefore);
    for (const r of ['product', 'category', 'zone'] as const) {
      expect(e.stores[r].getState()).toMatchObject({ epoch: server.epoch, lastVersion: server.versions[r] });
    }
    const verified = e.log.getState().entries.filter((x) => x.kind === 'digest_verified');
    expect(verified.map((x) => x.resource).sort()).toEqual(['category', 'product', 'zone']);
    expect(verified.every((x) => x.bytes === 0)).toBe(true);
  });

  it('a new epoch with a different digest reloads only that type', async () => {
    const e = engine();
    await e.start();
    await settled(e);
    server.requests = [];
    server.wipe({
      category: [category('c1', 'Starters'), category('c2', 'Mains')],
      product: [product('p1', 'Soup', 450)],
      zone: [zone('z1', 'Terrace')],
    });
    await until(() => expect(e.stores.product.getState().epoch).toBe(server.epoch));
    await settled(e);
    expect(server.itemRequests().map((r) => r.path)).toEqual(['/api/products']);
    expect(e.stores.product.getState().items.map((i) => i.id)).toEqual(['p1']);
    expect(e.stores.product.getState().lastVersion).toBe(1);
    expect(e.stores.category.getState().epoch).toBe(server.epoch);
    expect(e.log.getState().entries.find((x) => x.kind === 'digest_mismatch')?.resource).toBe('product');
  });

  it('a new epoch whose history continues ours is caught up and verified by digest, not reloaded', async () => {
    const e = engine();
    await e.start();
    await settled(e);
    server.goDown();
    await until(() => expect(e.connection.getState().state).toBe('offline'));
    server.commit('product', 'updated', product('p2', 'Bread', 320));
    server.requests = [];
    server.restart();
    server.goUp();
    await until(() => expect(e.stores.product.getState().byId.p2?.priceCents).toBe(320));
    await settled(e);
    expect(server.itemRequests().map((r) => `${r.path}?${r.query}`)).toEqual([
      `/api/sync/changes?resource=product&since=2&epoch=${server.epoch}`,
    ]);
    expect(e.stores.product.getState()).toMatchObject({ lastVersion: 3, epoch: server.epoch });
    const caught = e.log.getState().entries.find((x) => x.kind === 'gap_caught_up');
    expect(caught?.bytes).toBeGreaterThan(0);
    expect(kinds(e.log.getState().entries, 'category')).toContain('digest_verified');
  });

  it('two concurrent checks make one status request, then at most one follow-up', async () => {
    const e = engine();
    await e.start();
    await settled(e);
    server.requests = [];
    await Promise.all([e.check('a'), e.check('b'), e.check('c')]);
    expect(server.count('GET', '/api/sync/status')).toBe(2);
    expect(server.itemRequests()).toEqual([]);
  });

  it('a heartbeat showing a newer version triggers a check that catches up', async () => {
    const e = engine();
    await e.start();
    await settled(e);
    server.autoPush = false;
    server.commit('zone', 'created', zone('z2', 'Bar'));
    server.requests = [];
    server.heartbeat();
    await until(() => expect(e.stores.zone.getState().lastVersion).toBe(2));
    expect(server.itemRequests().map((r) => r.path)).toEqual(['/api/sync/changes']);
  });

  it('a failed check falls back to a full refresh of the loaded stores', async () => {
    const e = engine();
    await e.start();
    await settled(e);
    server.requests = [];
    server.failNext('/api/sync/status', 500, 'internal_error');
    await e.check('drill').catch(() => undefined);
    expect(
      server
        .itemRequests()
        .map((r) => r.path)
        .sort(),
    ).toEqual(['/api/categories', '/api/products', '/api/zones']);
  });
});

describe('event stream', () => {
  it('a stream failure reads offline; the probe notices the server is back and catches up', async () => {
    const e = engine();
    await e.start();
    await settled(e);
    server.goDown();
    await until(() => expect(e.connection.getState().state).toBe('offline'));
    server.commit('product', 'deleted', { id: 'p1' });
    server.goUp({ reconnectStreams: false });
    await until(() => expect(e.stores.product.getState().items.map((i) => i.id)).toEqual(['p2']));
    expect(server.count('GET', '/api/health')).toBeGreaterThan(0);
    expect(server.count('GET', '/api/sync/changes', 'product')).toBe(1);
    expect(server.count('GET', '/api/products')).toBe(1); // the first load only
    for (const s of server.streams) s.connect();
    await until(() => expect(e.connection.getState().state).toBe('online'));
  });

  it('a stream the browser gave up on (a 503 while the server restarts) is reopened by the engine, not by the probe', async () => {
    // The probe would come only after a minute: whatever reopens the stream sooner is the engine's own retry.
    const e = engine({ probeIntervalMs: 60_000 });
    await e.start();
    await settled(e);
    server.refuseStreams();
    expect(server.streams.size).toBe(0);
    await until(() => expect(server.streams.size).toBe(1));
    await until(() => expect(e.connection.getState().state).toBe('online'));
    expect(server.count('GET', '/api/health')).toBe(0);
    expect(kinds(e.log.getState().entries).filter((k) => k === 'stream_open')).toHaveLength(2);
  });

  it('an open stream whose check cannot reach the server reads Syncing, not Online, and the check is retried', async () => {
    const e = engine({ probeIntervalMs: 60_000 });
    await e.start();
    await settled(e);
    server.commit('product', 'updated', product('p1', 'Soup', 499));
    await until(() => expect(e.stores.product.getState().byId.p1?.priceCents).toBe(499));
    server.autoPush = false;
    server.commit('product', 'updated', product('p2', 'Bread', 333)); // missed by the stream
    server.dropNext('/api/sync/status');
    for (const s of server.streams) s.drop();
    for (const s of server.streams) s.connect(); // a new connection: its hello shows the gap
    await until(() => expect(server.count('GET', '/api/sync/status')).toBeGreaterThanOrEqual(3));
    const states: string[] = [];
    const unsubscribe = e.connection.subscribe((s) => states.push(s.state));
    await until(() => expect(e.stores.product.getState().byId.p2?.priceCents).toBe(333));
    await until(() => expect(e.connection.getState().state).toBe('online'));
    unsubscribe();
    const dropped = e.log
      .getState()
      .entries.filter((x) => x.kind === 'check' && x.message.includes('status unavailable'));
    expect(dropped).toHaveLength(1);
    // After the failed check it read Syncing until the retry verified the data.
    expect(states[0]).not.toBe('online');
  });

  it('live events reach the stores, each applied once', async () => {
    const e = engine();
    await e.start();
    await settled(e);
    server.requests = [];
    server.commit('product', 'updated', product('p1', 'Soup', 470));
    server.commit('category', 'created', category('c3', 'Desserts'));
    await until(() => expect(e.stores.category.getState().lastVersion).toBe(3));
    expect(e.stores.product.getState().byId.p1?.priceCents).toBe(470);
    expect(e.stores.product.getState().recentlyChanged.p1).toBeGreaterThan(0);
    expect(server.requests).toEqual([]);
  });

  it('a reset event runs the check', async () => {
    const e = engine();
    await e.start();
    await settled(e);
    server.requests = [];
    for (const s of server.streams) s.dispatch('reset', { epoch: server.epoch, reason: 'too_old' });
    await until(() => expect(server.count('GET', '/api/sync/status')).toBe(1));
    expect(kinds(e.log.getState().entries)).toContain('reset');
  });
});

describe('storage failures', () => {
  it('a deleted (evicted) database is reopened and refilled from the server', async () => {
    const dbName = uniqueDbName();
    const e = engine({ dbName });
    await e.start();
    await settled(e);
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.deleteDatabase(dbName);
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error);
    });
    await until(async () => {
      const reader = new SyncDatabase(dbName, { indexedDB, IDBKeyRange });
      try {
        expect((await reader.items('product').toArray()).map((i) => i.id).sort()).toEqual(['p1', 'p2']);
        expect(await reader.sync_meta.get('zone')).toMatchObject({ lastVersion: 1, epoch: server.epoch });
      } finally {
        reader.close();
      }
    });
    expect(kinds(e.log.getState().entries)).toContain('storage_error');
    expect(e.stores.product.getState().items.map((i) => i.id)).toEqual(['p1', 'p2']);
  });
});

describe('storage that keeps failing', () => {
  const realPut = IDBObjectStore.prototype.put;
  afterEach(() => {
    IDBObjectStore.prototype.put = realPut;
  });

  it('after a failed reopen the engine keeps serving and updating data from memory', async () => {
    const e = engine();
    await e.start();
    await settled(e);
    // Every write of products is refused from now on, as by a failing disk. (A full disk is
    // not this case: storageFull.test.ts.)
    IDBObjectStore.prototype.put = function (
      this: IDBObjectStore,
      ...args: Parameters<IDBObjectStore['put']>
    ) {
      if (this.name === 'product') throw new DOMException('disk I/O error', 'UnknownError');
      return realPut.apply(this, args);
    };
    server.commit('product', 'created', product('p3', 'Cake', 600));
    await until(() =>
      expect(e.log.getState().entries.some((x) => x.message.startsWith('IndexedDB unusable'))).toBe(true),
    );
    await until(() => expect(e.stores.product.getState().items.map((i) => i.id)).toEqual(['p1', 'p2', 'p3']));
    server.commit('product', 'updated', product('p3', 'Cake', 650));
    await until(() => expect(e.stores.product.getState().byId.p3?.priceCents).toBe(650));
    expect(e.stores.product.getState().lastVersion).toBe(4);
  });
});

describe('refreshAll', () => {
  it('reloads every loaded type and drops items the server no longer has', async () => {
    const e = engine();
    await e.start();
    await settled(e);
    server.requests = [];
    server.items.category.delete('c2'); // gone without an event, as after a restore
    await e.refreshAll();
    expect(e.stores.category.getState().items.map((c) => c.id)).toEqual(['c1']);
    expect(
      server
        .itemRequests()
        .map((r) => r.path)
        .sort(),
    ).toEqual(['/api/categories', '/api/products', '/api/zones']);
    expect(kinds(e.log.getState().entries).filter((k) => k === 'full_refresh')).toHaveLength(3);
  });
});

describe('diagnostics and log', () => {
  it('diagnostics show each type locally and as the server last reported it', async () => {
    const e = engine();
    await e.start();
    await settled(e);
    const d = e.diagnostics();
    expect(d.map((x) => x.resource)).toEqual([...RESOURCE_NAMES]);
    expect(d.find((x) => x.resource === 'product')).toEqual({
      resource: 'product',
      localVersion: 2,
      localDigest: server.status().digests.product,
      localCount: 2,
      serverVersion: 2,
      serverDigest: server.status().digests.product,
      serverCount: 2,
    });
    expect(d.find((x) => x.resource === 'tag')).toMatchObject({ localCount: 0, serverCount: 0 });
  });

  it('exportLog gives the log as JSON with times, kinds and bytes', async () => {
    const e = engine();
    await e.start();
    await settled(e);
    const exported = JSON.parse(e.exportLog()) as { entries: { kind: string; at: number; bytes?: number }[] };
    expect(exported.entries.length).toBe(e.log.getState().entries.length);
    const snapshot = exported.entries.find((x) => x.kind === 'snapshot');
    expect(snapshot?.bytes).toBeGreaterThan(0);
    expect(snapshot?.at).toBeGreaterThan(0);
  });
});
