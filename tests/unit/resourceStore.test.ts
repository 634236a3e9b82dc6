import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { digestOf } from '../../src/shared/digest';
import type { SyncEvent } from '../../src/shared/protocol';
import { SyncError } from '../../src/sync/errors';
import { until } from '../helpers/wait';
import { FakeServer, product } from './support/fakeServer';
import { kinds, makeStore } from './support/setup';

let server: FakeServer;

beforeEach(() => {
  server = new FakeServer();
  server.autoPush = false;
  server.seed('product', [
    product('p1', 'Soup', 450),
    product('p2', 'Bread', 300),
    product('p3', 'Salad', 800),
  ]);
});

/** A store that has loaded the snapshot (v3: p1, p2, p3). */
async function loaded() {
  const setup = makeStore(server, 'product');
  await setup.store.getState().fetchAll();
  server.requests = [];
  return setup;
}

function ids(items: { id: string }[]): string[] {
  return items.map((i) => i.id).sort();
}

describe('applySync', () => {
  let setup: Awaited<ReturnType<typeof loaded>>;
  beforeEach(async () => {
    setup = await loaded();
  });
  afterEach(() => setup.controller.dispose());

  it('applies the next version to memory and IndexedDB together', async () => {
    const event = server.commit('product', 'updated', { ...product('p1', 'Soup', 500) });
    await setup.store.getState().applySync(event);
    const s = setup.store.getState();
    expect(s.lastVersion).toBe(4);
    expect(s.byId.p1).toEqual({ ...product('p1', 'Soup', 500), version: 4 });
    expect(s.digest).toBe(server.status().digests.product);
    expect(await setup.db.items('product').get('p1')).toEqual(s.byId.p1);
    expect(await setup.db.sync_meta.get('product')).toMatchObject({
      lastVersion: 4,
      epoch: server.epoch,
      digest: s.digest,
    });
    expect(server.requests).toEqual([]);
  });

  it('a deleted event removes the item', async () => {
    await setup.store.getState().applySync(server.commit('product', 'deleted', { id: 'p2' }));
    expect(ids(setup.store.getState().items)).toEqual(['p1', 'p3']);
    expect(await setup.db.items('product').get('p2')).toBeUndefined();
  });

  it('ignores an event at or below lastVersion as a duplicate and logs it', async () => {
    const event = server.commit('product', 'updated', product('p1', 'Soup', 500));
    await setup.store.getState().applySync(event);
    await setup.store
      .getState()
      .applySync({ ...event, data: { ...event.data!, name: 'Stale' } } as SyncEvent<'product'>);
    await setup.store.getState().applySync(server.history.product[0] as SyncEvent<'product'>);
    expect(setup.store.getState().byId.p1?.name).toBe('Soup');
    expect(setup.store.getState().lastVersion).toBe(4);
    expect(kinds(setup.log.store.getState().entries).filter((k) => k === 'duplicate_ignored')).toHaveLength(
      2,
    );
    expect(server.requests).toEqual([]);
  });

  it('a gap is caught up with exactly one /api/sync/changes call and no snapshot', async () => {
    server.commit('product', 'updated', product('p1', 'Soup', 510));
    server.commit('product', 'deleted', { id: 'p2' });
    const third = server.commit('product', 'created', product('p4', 'Tea', 250));
    await setup.store.getState().applySync(third);
    expect(server.requests.map((r) => `${r.method} ${r.path}?${r.query}`)).toEqual([
      `GET /api/sync/changes?resource=product&since=3&epoch=${server.epoch}`,
    ]);
    const s = setup.store.getState();
    expect(s.lastVersion).toBe(6);
    expect(ids(s.items)).toEqual(['p1', 'p3', 'p4']);
    expect(s.byId.p1?.priceCents).toBe(510);
    expect(s.digest).toBe(server.status().digests.product);
    const entry = setup.log.store.getState().entries.find((e) => e.kind === 'gap_caught_up');
    expect(entry?.bytes).toBeGreaterThan(0);
    expect(entry?.version).toBe(6);
  });

  it('a gap whose history is no longer kept (410) falls back to one snapshot', async () => {
    server.commit('product', 'updated', product('p1', 'Soup', 510));
    const last = server.commit('product', 'updated', product('p3', 'Salad', 900));
    server.keepsFrom.product = 5;
    await setup.store.getState().applySync(last);
    expect(server.requests.map((r) => r.path)).toEqual(['/api/sync/changes', '/api/products']);
    expect(setup.store.getState().lastVersion).toBe(5);
    expect(setup.store.getState().byId.p3?.priceCents).toBe(900);
    expect(kinds(setup.log.store.getState().entries)).toContain('too_old_reload');
  });

  it('an event of another epoch changes nothing and asks for a re-verification', async () => {
    const event = {
      ...server.commit('product', 'updated', product('p1', 'Soup', 1)),
      epoch: crypto.randomUUID(),
    };
    await setup.store.getState().applySync(event as SyncEvent<'product'>);
    expect(setup.store.getState().lastVersion).toBe(3);
    expect(setup.store.getState().byId.p1?.priceCents).toBe(450);
    expect(setup.deps.requestCheck).toHaveBeenCalledTimes(1);
    expect(server.requests).toEqual([]);
  });

  it('an event of a new epoch is applied once the check has moved the store into that epoch', async () => {
    const digest = setup.store.getState().digest;
    server.restart();
    const event = server.commit('product', 'created', product('p4', 'Tea', 250)); // v4, new epoch
    await setup.store.getState().applySync(event);
    expect(setup.store.getState().lastVersion).toBe(3);
    // The check read the status before that event: same data at v3, so the epoch is adopted.
    await setup.controller.verify({ epoch: server.epoch, version: 3, digest, versionBefore: 3 });
    await setup.controller.idle();
    expect(setup.store.getState()).toMatchObject({ epoch: server.epoch, lastVersion: 4 });
    expect(ids(setup.store.getState().items)).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect(server.requests).toEqual([]);
  });

  it('clear forgets the type in memory and in IndexedDB', async () => {
    await setup.store.getState().clear();
    expect(setup.store.getState()).toMatchObject({ items: [], isLoaded: false, lastVersion: 0, epoch: null });
    expect(await setup.db.items('product').count()).toBe(0);
    expect(await setup.db.sync_meta.get('product')).toBeUndefined();
  });

  it('a burst of events is written in one IndexedDB transaction per batch', async () => {
    const spy = vi.spyOn(setup.db, 'transaction');
    const events = Array.from({ length: 20 }, (_, i) =>
      server.commit('product', 'updated', product('p1', 'Soup', 1000 + i)),
    );
    await Promise.all(events.map((e) => setup.store.getState().applySync(e as SyncEvent<'product'>)));
    expect(spy).toHaveBeenCalledTimes(1);
    expect(setup.store.getState().lastVersion).toBe(23);
    expect(setup.store.getState().byId.p1?.priceCents).toBe(1019);
    expect(kinds(setup.log.store.getState().entries).filter((k) => k === 'applied')).toHaveLength(1);
  });

  it('events arriving while a batch is being written form the next batch together', async () => {
    const spy = vi.spyOn(setup.db, 'transaction');
    const first = setup.store
      .getState()
      .applySync(server.commit('product', 'updated', product('p1', 'A', 1)));
    await Promise.resolve();
    await Promise.resolve();
    const rest = Array.from({ length: 10 }, (_, i) =>
      setup.store.getState().applySync(server.commit('product', 'updated', product('p1', 'B', 2 + i))),
    );
    await Promise.all([first, ...rest]);
    expect(spy.mock.calls.length).toBeLessThanOrEqual(2);
    expect(setup.store.getState().lastVersion).toBe(14);
  });

  it('a failed IndexedDB write leaves memory and IndexedDB as they were', async () => {
    const before = setup.store.getState();
    setup.db.items('product').hook('creating', () => {
      throw new DOMException(
        'An internal error was encountered in the Indexed Database server',
        'UnknownError',
      );
    });
    await setup.store.getState().applySync(server.commit('product', 'created', product('p9', 'Cake', 600)));
    const after = setup.store.getState();
    expect(after.items).toBe(before.items);
    expect(after.lastVersion).toBe(3);
    expect(after.digest).toBe(before.digest);
    expect(after.error).toMatchObject({ code: 'storage_error' });
    expect(setup.deps.onStorageError).toHaveBeenCalledTimes(1);
    expect(await setup.db.items('product').count()).toBe(3);
    expect(await setup.db.sync_meta.get('product')).toMatchObject({ lastVersion: 3 });
    expect(kinds(setup.log.store.getState().entries)).toContain('storage_error');
  });

  it('checkVersion reports any difference, lower server versions included', () => {
    const { checkVersion } = setup.store.getState();
    expect(checkVersion(3)).toBe(false);
    expect(checkVersion(4)).toBe(true);
    expect(checkVersion(2)).toBe(true);
  });

  it('marks remotely changed ids for a short highlight, then clears them', async () => {
    setup.controller.dispose();
    setup = await (async () => {
      const s = makeStore(server, 'product', { highlightMs: 20 });
      await s.store.getState().fetchAll();
      return s;
    })();
    await setup.store.getState().applySync(server.commit('product', 'updated', product('p2', 'Bread', 310)));
    expect(Object.keys(setup.store.getState().recentlyChanged)).toEqual(['p2']);
    await until(() => expect(setup.store.getState().recentlyChanged).toEqual({}));
  });
});

describe('fetchAll', () => {
  it('a full refresh replaces the type: items missing from the snapshot are deleted locally', async () => {
    const setup = await loaded();
    server.items.product.delete('p2');
    server.versions.product++;
    await setup.store.getState().fetchAll(true);
    expect(ids(setup.store.getState().items)).toEqual(['p1', 'p3']);
    expect((await setup.db.items('product').toArray()).map((i) => i.id).sort()).toEqual(['p1', 'p3']);
    expect(setup.store.getState().digest).toBe(digestOf(server.items.product.values()));
  });

  it('events arriving during the snapshot load apply only when newer than the snapshot', async () => {
    const setup = makeStore(server, 'product');
    await setup.store.getState().fetchAll(); // v3
    server.requests = [];
    const older = server.commit('product', 'updated', product('p1', 'Soup', 460)); // v4, in flight
    const gate = server.gate((r) => r.path === '/api/products');
    const refresh = setup.store.getState().fetchAll(true);
    await gate.waiting; // the snapshot is taken at v4 and held on its way
    const newer = server.commit('product', 'updated', product('p3', 'Salad', 820)); // v5
    const applied = [older, newer].map((e) => setup.store.getState().applySync(e as SyncEvent<'product'>));
    gate.open();
    await Promise.all([refresh, ...applied]);
    const s = setup.store.getState();
    expect(s.lastVersion).toBe(5);
    expect(s.byId.p1?.priceCents).toBe(460);
    expect(s.byId.p3?.priceCents).toBe(820);
    expect(s.digest).toBe(server.status().digests.product);
    expect(server.requests.map((r) => r.path)).toEqual(['/api/products']);
    expect(setup.log.store.getState().entries.find((e) => e.kind === 'duplicate_ignored')?.message).toContain(
      'v4',
    );
  });
});

describe('writes', () => {
  it('create sends a client-chosen UUID and an Idempotency-Key; the answer applies before its event', async () => {
    const setup = await loaded();
    const { id: _id, ...fields } = product('x', 'Tea', 250);
    const item = await setup.store.getState().create(fields);
    expect(item.id).toMatch(/^[0-9a-f-]{36}$/);
    const post = server.requests.find((r) => r.method === 'POST');
    expect(post?.headers.get('idempotency-key')).toMatch(/^[0-9a-f-]{36}$/);
    expect(setup.store.getState().byId[item.id]).toEqual(item);
    expect(setup.store.getState().lastVersion).toBe(4);
    // The stream's copy of the same change arrives later: a duplicate, nothing changes.
    await setup.store.getState().applySync(server.history.product[3] as SyncEvent<'product'>);
    expect(setup.store.getState().lastVersion).toBe(4);
    expect(kinds(setup.log.store.getState().entries)).toContain('duplicate_ignored');
  });

  it('when the event comes first, the answer to the write is the duplicate', async () => {
    const setup = await loaded();
    server.autoPush = true;
    const stream: SyncEvent[] = [];
    const deliver = server.deliver.bind(server);
    server.deliver = (e) => {
      stream.push(e);
      void setup.store.getState().applySync(e as SyncEvent<'product'>);
      deliver(e);
    };
    const updated = await setup.store.getState().update('p1', { priceCents: 475 });
    expect(updated.version).toBe(4);
    expect(stream).toHaveLength(1);
    expect(setup.store.getState().byId.p1?.priceCents).toBe(475);
    expect(setup.store.getState().lastVersion).toBe(4);
  });

  it('an answer ahead of versions not yet received waits for the stream instead of jumping', async () => {
    const setup = await loaded();
    server.commit('product', 'updated', product('p2', 'Bread', 333)); // v4, not delivered yet
    await setup.store.getState().remove('p3'); // v5
    expect(setup.store.getState().lastVersion).toBe(3);
    expect(server.count('GET', '/api/sync/changes')).toBe(0);
    for (const e of server.history.product.slice(3))
      await setup.store.getState().applySync(e as SyncEvent<'product'>);
    expect(setup.store.getState().lastVersion).toBe(5);
    expect(ids(setup.store.getState().items)).toEqual(['p1', 'p2']);
  });

  it('update sends If-Match with the version held here; a change made meanwhile answers 412', async () => {
    const setup = await loaded();
    server.commit('product', 'updated', product('p1', 'Soup', 999)); // another device, not yet received
    const failure = await setup.store
      .getState()
      .update('p1', { priceCents: 1 })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SyncError);
    expect((failure as SyncError).info).toMatchObject({ code: 'precondition_failed', status: 412 });
    expect(server.requests.at(-1)?.headers.get('if-match')).toBe('1');
    expect(kinds(setup.log.store.getState().entries)).toContain('write_conflict');
  });

  it('validation errors reach the caller with the server code and message', async () => {
    const setup = await loaded();
    const failure = await setup.store
      .getState()
      .create(product('p7', ' ', 1))
      .catch((e: unknown) => e);
    expect((failure as SyncError).info).toEqual({
      code: 'validation_failed',
      status: 400,
      message: 'name: must not be empty',
    });
    expect(setup.store.getState().lastVersion).toBe(3);
  });
});
