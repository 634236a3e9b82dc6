import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SyncDatabase } from '../../src/sync/db';
import { SyncError } from '../../src/sync/errors';
import { createFullTracker, isQuotaError } from '../../src/sync/storageFull';
import { createSyncLog } from '../../src/sync/syncLog';
import type { SyncEngine } from '../../src/sync/types';
import { until } from '../helpers/wait';
import { category, FakeServer, product } from './support/fakeServer';
import { IDBKeyRange, IDBObjectStore, indexedDB, kinds, makeEngine, uniqueDbName } from './support/setup';

let server: FakeServer;
const engines: SyncEngine[] = [];

/** While true, IndexedDB refuses every write as a full disk does (reads and deletes still work). */
let full = false;
const realPut = IDBObjectStore.prototype.put;
const realAdd = IDBObjectStore.prototype.add;

beforeEach(() => {
  full = false;
  for (const [method, real] of [
    ['put', realPut],
    ['add', realAdd],
  ] as const) {
    IDBObjectStore.prototype[method] = function (this: IDBObjectStore, ...args: Parameters<typeof realPut>) {
      if (full) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return real.apply(this, args);
    };
  }
  server = new FakeServer();
  server.seed('category', [category('c1', 'Starters')]);
  server.seed('product', [product('p1', 'Soup', 450), product('p2', 'Bread', 300)]);
});

afterEach(async () => {
  full = false;
  await Promise.all(engines.splice(0).map((e) => e.stop()));
  IDBObjectStore.prototype.put = realPut;
  IDBObjectStore.prototype.add = realAdd;
});

async function started(dbName = uniqueDbName()): Promise<SyncEngine> {
  const e = makeEngine(server, { dbName, resources: ['product', 'category'] });
  engines.push(e);
  await e.start();
  await until(() => expect(e.connection.getState().state).toBe('online'));
  return e;
}

/** What IndexedDB holds of products, read by another connection. */
async function stored(dbName: string) {
  const reader = new SyncDatabase(dbName, { indexedDB, IDBKeyRange });
  try {
    const items = (await reader.items('product').toArray()).sort((a, b) => a.id.localeCompare(b.id));
    const meta = await reader.sync_meta.get('product');
    return { items, meta: meta && { lastVersion: meta.lastVersion, epoch: meta.epoch, digest: meta.digest } };
  } finally {
    reader.close();
  }
}

/** The server's products and meta, in the same shape. */
function onServer() {
  const status = server.status();
  return {
    items: [...server.items.product.values()].sort((a, b) => a.id.localeCompare(b.id)),
    meta: { lastVersion: status.versions.product, epoch: status.epoch, digest: status.digests.product },
  };
}

/** The store's products and meta as the app shows them. */
function shown(e: SyncEngine) {
  const s = e.stores.product.getState();
  return {
    items: [...s.items].sort((a, b) => a.id.localeCompare(b.id)),
    meta: { lastVersion: s.lastVersion, epoch: s.epoch, digest: s.digest },
  };
}

const storageLines = (e: SyncEngine) =>
  e.log
    .getState()
    .entries.filter((x) => x.kind === 'storage_error' || x.kind === 'storage_ok')
    .map((x) => `${x.kind} ${x.resource ?? ''}: ${x.message}`);

describe('storage full while the server keeps changing', () => {
  it('keeps showing what IndexedDB holds, says so once, and converges on the next heartbeat once space is back', async () => {
    const dbName = uniqueDbName();
    const e = await started(dbName);
    const before = shown(e);
    expect(await stored(dbName)).toEqual(before);

    full = true;
    server.commit('product', 'updated', product('p1', 'Soup', 480));
    server.commit('product', 'created', product('p3', 'Cake', 600));
    server.commit('product', 'deleted', { id: 'p2' });
    await until(() => expect(e.stores.product.getState().error?.code).toBe('storage_full'));
    // A heartbeat shows the device is behind: the check tries again and is refused again.
    server.heartbeat();
    await until(() => expect(server.count('GET', '/api/sync/changes', 'product')).toBe(1));
    await e.check('still full');

    // Memory never ran ahead of IndexedDB; both still hold v2, consistently.
    expect(shown(e)).toEqual(before);
    expect(await stored(dbName)).toEqual(before);
    expect(storageLines(e)).toEqual([
      "storage_error product: This device's storage is full: could not save 3 product changes (v2→v5); showing the products saved at v2, will retry",
    ]);
    expect(e.stores.product.getState().error).toEqual({
      code: 'storage_full',
      status: 0,
      message: "This device's storage is full: could not save 3 product changes (v2→v5).",
    });
    // Nothing claims to be applied or caught up, and the database was not given up on.
    expect(
      kinds(e.log.getState().entries, 'product').filter((k) => k === 'applied' || k === 'gap_caught_up'),
    ).toEqual([]);
    expect(e.log.getState().entries.some((x) => /reopening|memory/.test(x.message))).toBe(false);

    full = false;
    server.heartbeat();
    await until(() => expect(shown(e)).toEqual(onServer()));
    expect(await stored(dbName)).toEqual(onServer());
    expect(e.stores.product.getState().error).toBeNull();
    const lines = storageLines(e);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      /^storage_ok product: storage writable again: products saved at v5 \(3 write\(s\) refused over \d+ s\)$/,
    );
    expect(server.count('GET', '/api/products')).toBe(1); // the first load only: caught up, not reloaded
  });

  it('a sync event after space is back catches up too, without a reload', async () => {
    const dbName = uniqueDbName();
    const e = await started(dbName);
    full = true;
    server.commit('product', 'updated', product('p1', 'Soup', 480));
    await until(() => expect(e.stores.product.getState().error?.code).toBe('storage_full'));
    full = false;
    server.commit('product', 'updated', product('p2', 'Bread', 320));
    await until(() => expect(shown(e)).toEqual(onServer()));
    expect(await stored(dbName)).toEqual(onServer());
    expect(shown(e).meta.lastVersion).toBe(4);
    expect(server.count('GET', '/api/sync/changes', 'product')).toBe(1);
  });

  it('a first load refused by a full disk leaves the type unloaded, and a later heartbeat loads it', async () => {
    const dbName = uniqueDbName();
    full = true;
    const e = makeEngine(server, { dbName, resources: ['product', 'category'] });
    engines.push(e);
    await e.start();
    expect(e.stores.product.getState()).toMatchObject({ isLoaded: false, items: [], lastVersion: 0 });
    expect(e.stores.product.getState().error?.code).toBe('storage_full');
    expect(storageLines(e).sort()).toEqual([
      "storage_error category: This device's storage is full: could not save 1 category at v1; no categories saved yet, will retry",
      "storage_error product: This device's storage is full: could not save 2 products at v2; no products saved yet, will retry",
    ]);
    full = false;
    server.heartbeat();
    await until(() => expect(shown(e)).toEqual(onServer()));
    expect(await stored(dbName)).toEqual(onServer());
    expect(e.stores.category.getState().isLoaded).toBe(true);
    // The lines logged while full were kept and are stored now that there is space.
    await e.stop();
    const reader = new SyncDatabase(dbName, { indexedDB, IDBKeyRange });
    try {
      const messages = (await reader.sync_log.toArray()).map((r) => r.message);
      expect(messages).toEqual(
        expect.arrayContaining([expect.stringMatching(/^This device's storage is full/)]),
      );
    } finally {
      reader.close();
    }
  });
});

describe('a local edit while storage is full', () => {
  it('is refused with a clear error, never queued half-way, and goes through once space is back', async () => {
    const e = await started();
    server.requests = [];
    full = true;
    const refused = await e.stores.product
      .getState()
      .queueUpdate('p1', { priceCents: 999 })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SyncError);
    expect((refused as SyncError).info).toEqual({
      code: 'storage_full',
      status: 0,
      message: "This device's storage is full, so the change was not saved on this device.",
    });
    expect(e.outbox.store.getState().entries).toEqual([]);
    expect(e.stores.product.getState().byId.p1?.priceCents).toBe(450);
    expect(e.stores.product.getState().pending).toEqual({});
    expect(server.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(e.log.getState().entries.at(-1)).toMatchObject({
      kind: 'write_failed',
      resource: 'product',
      message:
        "update “Soup” not queued: This device's storage is full, so the change was not saved on this device.",
    });

    full = false;
    const saved = await e.stores.product.getState().update('p1', { priceCents: 999 });
    expect(saved.priceCents).toBe(999);
    expect(server.items.product.get('p1')?.priceCents).toBe(999);
  });
});

describe('an outbox entry waiting when the disk fills up', () => {
  it('is sent once space is back: the sender retries on its own', async () => {
    const e = makeEngine(server, { resources: ['product'], outboxRetryDelaysMs: [20] });
    engines.push(e);
    await e.start();
    await until(() => expect(e.connection.getState().state).toBe('online'));
    server.goDown();
    await until(() => expect(e.connection.getState().state).toBe('offline'));
    const queued = await e.stores.product.getState().queueUpdate('p1', { priceCents: 999 });
    await until(() => expect(e.outbox.store.getState().entries[0]?.lastError?.code).toBe('network_error'));

    full = true;
    server.goUp();
    const refused = "sending the outbox failed: this device's storage is full; will retry";
    await until(() => expect(e.log.getState().entries.some((x) => x.message === refused)).toBe(true));
    expect(server.items.product.get('p1')?.priceCents).toBe(450);
    expect(e.stores.product.getState().byId.p1?.priceCents).toBe(999); // still shown as pending

    server.requests = [];
    full = false;
    await expect(queued.settled).resolves.toMatchObject({ id: 'p1', priceCents: 999, version: 3 });
    await until(() => expect(e.outbox.store.getState().entries).toEqual([]));
    expect(server.items.product.get('p1')?.priceCents).toBe(999);
    expect(server.count('PATCH', '/api/products/p1')).toBe(1);
  });
});

describe('the log of a storage-full episode', () => {
  it('tells its start, then at most every 30 s that it lasts, then its end', () => {
    let now = 1_000_000;
    const log = createSyncLog(50, () => now);
    const tracker = createFullTracker('dining_table', log, () => now);
    tracker.refused('2 table changes (v7→v9)', 7);
    now += 29_999;
    tracker.refused('3 table changes (v7→v10)', 7);
    now += 1;
    tracker.refused('4 table changes (v7→v11)', 7);
    now += 5_000;
    tracker.saved(11);
    tracker.saved(12);
    expect(log.store.getState().entries.map((e) => `${e.kind} ${e.resource}: ${e.message}`)).toEqual([
      "storage_error dining_table: This device's storage is full: could not save 2 table changes (v7→v9); showing the tables saved at v7, will retry",
      "storage_error dining_table: This device's storage is full: could not save 4 table changes (v7→v11) (still full after 3 attempts); showing the tables saved at v7, will retry",
      'storage_ok dining_table: storage writable again: tables saved at v11 (3 write(s) refused over 35 s)',
    ]);
  });
});

describe('isQuotaError', () => {
  const quota = new DOMException('The quota has been exceeded.', 'QuotaExceededError');

  it('recognises the browser refusal however Dexie wraps it', () => {
    expect(isQuotaError(quota)).toBe(true);
    expect(isQuotaError({ name: 'AbortError', message: 'QuotaExceededError', inner: quota })).toBe(true);
    expect(isQuotaError({ name: 'BulkError', failures: [new Error('x'), quota] })).toBe(true);
    expect(isQuotaError(new Error('wrapper', { cause: quota }))).toBe(true);
  });

  it('does not take other storage failures for a full disk', () => {
    expect(isQuotaError(new DOMException('gone', 'InvalidStateError'))).toBe(false);
    expect(isQuotaError({ name: 'AbortError', inner: new DOMException('x', 'UnknownError') })).toBe(false);
    expect(isQuotaError('QuotaExceededError')).toBe(false);
    expect(isQuotaError(null)).toBe(false);
  });
});
