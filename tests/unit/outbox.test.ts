/**
 * The outbox: writes made offline show at once, survive a restart, and are replayed in
 * order with their Idempotency-Keys; refusals roll back and wait for the person; incoming
 * events never clobber a pending change.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncEvent } from '../../src/shared/protocol';
import { SyncError } from '../../src/sync/errors';
import type { SyncEngine } from '../../src/sync/types';
import { until } from '../helpers/wait';
import { category, FakeServer, product } from './support/fakeServer';
import { FakeLocks } from './support/locks';
import { kinds, makeEngine, uniqueDbName } from './support/setup';

let server: FakeServer;
const engines: SyncEngine[] = [];

function engine(options: Parameters<typeof makeEngine>[1] = {}): SyncEngine {
  const e = makeEngine(server, { resources: ['product', 'category'], outboxRetryDelaysMs: [20], ...options });
  engines.push(e);
  return e;
}

beforeEach(() => {
  server = new FakeServer();
  server.seed('category', [category('c1', 'Starters')]);
  server.seed('product', [
    product('p1', 'Soup', 450),
    product('p2', 'Bread', 300),
    product('p3', 'Salad', 800),
  ]);
});

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop()));
});

/** Started, online, with nothing left to send. */
async function started(e: SyncEngine): Promise<SyncEngine> {
  await e.start();
  await until(() => expect(e.connection.getState().state).toBe('online'));
  return e;
}

const writes = () => server.requests.filter((r) => r.method !== 'GET');
const outboxOf = (e: SyncEngine) => e.outbox.store.getState().entries;
const emptied = (e: SyncEngine) => until(() => expect(outboxOf(e)).toEqual([]));

/** Three edits and a delete, made while the server cannot be reached. */
async function editOffline(e: SyncEngine) {
  const products = e.stores.product.getState();
  await products.queueUpdate('p1', { priceCents: 470 });
  await products.queueUpdate('p2', { name: 'Sourdough' });
  await products.queueUpdate('p1', { name: 'Tomato soup' });
  await products.queueRemove('p3');
}

describe('queued writes', () => {
  it('show at once marked pending, and replay in order with their keys once the server is back', async () => {
    const e = await started(engine());
    server.goDown();
    await editOffline(e);
    const s = e.stores.product.getState();
    expect(s.byId.p1).toMatchObject({ name: 'Tomato soup', priceCents: 470, version: 1 });
    expect(s.byId.p2?.name).toBe('Sourdough');
    expect(s.byId.p3).toBeUndefined();
    expect(s.pending).toEqual({ p1: 'pending', p2: 'pending', p3: 'pending' });
    // The server's copy underneath is untouched: version and digest still match the server's.
    expect(s.lastVersion).toBe(3);
    expect(s.digest).toBe(server.status().digests.product);
    const keys = outboxOf(e).map((x) => x.idempotencyKey);
    expect(new Set(keys).size).toBe(4);

    server.requests = [];
    server.goUp();
    await e.check('server back');
    await emptied(e);
    expect(writes().map((r) => `${r.method} ${r.path} ${r.headers.get('if-match')}`)).toEqual([
      'PATCH /api/products/p1 1',
      'PATCH /api/products/p2 2',
      'PATCH /api/products/p1 4', // re-based on the version its own first edit made
      'DELETE /api/products/p3 3',
    ]);
    expect(writes().map((r) => r.headers.get('idempotency-key'))).toEqual(keys);
    expect(server.versions.product).toBe(3 + 4);
    expect(server.items.product.get('p1')).toMatchObject({ name: 'Tomato soup', priceCents: 470 });
    expect(server.items.product.has('p3')).toBe(false);
    await until(() => expect(e.stores.product.getState().lastVersion).toBe(7));
    const after = e.stores.product.getState();
    expect(after.pending).toEqual({});
    expect(after.items).toEqual([...server.items.product.values()]);
    expect(after.digest).toBe(server.status().digests.product);
  });

  it('survive closing the app: a new engine on the same database shows them offline and sends them', async () => {
    const dbName = uniqueDbName();
    const first = await started(engine({ dbName }));
    server.goDown();
    await editOffline(first);
    await first.stop();
    engines.splice(engines.indexOf(first), 1);

    const second = engine({ dbName });
    await second.start();
    expect(second.connection.getState().state).toBe('offline');
    expect(second.stores.product.getState().byId.p2?.name).toBe('Sourdough');
    expect(second.stores.product.getState().pending).toEqual({ p1: 'pending', p2: 'pending', p3: 'pending' });
    expect(outboxOf(second).map((x) => x.action)).toEqual(['update', 'update', 'update', 'delete']);
    server.requests = [];
    server.goUp();
    await emptied(second);
    expect(server.versions.product).toBe(7);
    expect(writes()).toHaveLength(4);
  });

  it('an entry whose answer was lost is sent again with its key and changes the server once', async () => {
    // No timed retry while the server is down: the entry must wait as pending, not flip to sending.
    const e = await started(engine({ outboxRetryDelaysMs: [60_000] }));
    const gate = server.gate((r) => r.method === 'PATCH');
    const queued = await e.stores.product.getState().queueUpdate('p1', { priceCents: 490 });
    await gate.waiting; // the server has committed the change; its answer is on the way
    server.goDown(); // ...and is lost
    gate.open();
    await until(() => expect(outboxOf(e)[0]?.lastError?.code).toBe('network_error'));
    expect(outboxOf(e)[0]?.state).toBe('pending');
    expect(server.versions.product).toBe(4); // applied once already
    server.goUp();
    await expect(queued.settled).resolves.toMatchObject({ id: 'p1', priceCents: 490, version: 4 });
    const patches = server.requests.filter((r) => r.method === 'PATCH');
    // The first attempt, whose answer was lost, and the replay once the server is back: one key.
    expect(patches).toHaveLength(2);
    expect(new Set(patches.map((r) => r.headers.get('idempotency-key'))).size).toBe(1);
    expect(server.versions.product).toBe(4);
    expect(server.history.product.filter((h) => h.id === 'p1')).toHaveLength(2); // created, updated once
  });

  it('a create made offline gets its client-chosen id, and an edit on top of it follows it', async () => {
    const e = await started(engine());
    server.goDown();
    const { id: _id, ...fields } = product('x', 'Tea', 250);
    const created = await e.stores.product.getState().queueCreate(fields);
    const id = created.entry.itemId;
    expect(e.stores.product.getState().byId[id]).toMatchObject({ name: 'Tea', version: 0 });
    await e.stores.product.getState().queueUpdate(id, { priceCents: 260 });
    server.goUp();
    await emptied(e);
    expect(server.items.product.get(id)).toMatchObject({ name: 'Tea', priceCents: 260, version: 5 });
    expect(
      writes()
        .filter((r) => r.method === 'PATCH')[0]
        ?.headers.get('if-match'),
    ).toBe('4');
  });
});

describe('refusals', () => {
  it('412: the change is rolled back, shown as a conflict, and "apply mine" puts it on top of theirs', async () => {
    const e = await started(engine());
    server.autoPush = false;
    const theirs = server.commit('product', 'updated', product('p1', 'Soup', 999)); // not delivered yet
    const queued = await e.stores.product.getState().queueUpdate('p1', { name: 'Pea soup' });
    const error = await queued.settled.catch((x: unknown) => x);
    expect(error).toBeInstanceOf(SyncError);
    expect((error as SyncError).info).toMatchObject({ code: 'precondition_failed', status: 412 });
    const [entry] = outboxOf(e);
    expect(entry).toMatchObject({ state: 'conflict', baseVersion: 1, attempts: 1 });
    expect(e.stores.product.getState().byId.p1).toEqual({ ...product('p1', 'Soup', 450), version: 1 });
    expect(e.stores.product.getState().pending).toEqual({ p1: 'conflict' });
    expect(kinds(e.log.getState().entries, 'product')).toContain('write_conflict');

    await e.stores.product.getState().applySync(theirs as SyncEvent<'product'>);
    expect(e.stores.product.getState().byId.p1?.priceCents).toBe(999);
    await e.outbox.applyMine(entry!.seq);
    await emptied(e);
    expect(server.items.product.get('p1')).toMatchObject({ name: 'Pea soup', priceCents: 999, version: 5 });
    expect(writes().at(-1)?.headers.get('if-match')).toBe('4');
  });

  it('403 and 409: the entry stops, later entries of the same item wait, other items go on', async () => {
    const e = await started(engine());
    server.failNext('/api/products/p1', 403, 'forbidden');
    const products = e.stores.product.getState();
    const first = await products.queueUpdate('p1', { priceCents: 1 });
    await expect(first.settled).rejects.toMatchObject({ info: { status: 403, code: 'forbidden' } });
    await products.queueUpdate('p1', { name: 'Waits' });
    await products.queueUpdate('p2', { name: 'Goes on' });
    await until(() => expect(server.items.product.get('p2')?.name).toBe('Goes on'));
    expect(outboxOf(e).map((x) => `${x.itemId} ${x.state}`)).toEqual(['p1 failed', 'p1 pending']);
    // The refused change is rolled back; the waiting one is still shown over the server's state.
    expect(e.stores.product.getState().byId.p1).toMatchObject({ name: 'Waits', priceCents: 450 });
    expect(e.stores.product.getState().pending).toEqual({ p1: 'failed' });
    expect(server.items.product.get('p1')?.name).toBe('Soup');

    await e.outbox.discard(outboxOf(e)[0]!.seq);
    await emptied(e);
    expect(server.items.product.get('p1')).toMatchObject({ name: 'Waits', priceCents: 450 });
    expect(kinds(e.log.getState().entries, 'product')).toEqual(
      expect.arrayContaining(['write_failed', 'write_discarded', 'write']),
    );

    server.failNext('/api/categories/c1', 409, 'referenced');
    const deletion = await e.stores.category.getState().queueRemove('c1');
    expect(e.stores.category.getState().byId.c1).toBeUndefined();
    await expect(deletion.settled).rejects.toMatchObject({ info: { status: 409 } });
    expect(e.stores.category.getState().byId.c1?.name).toBe('Starters');
    await e.outbox.retry(outboxOf(e)[0]!.seq);
    await emptied(e);
    expect(server.items.category.has('c1')).toBe(false);
  });
});

describe('incoming events and pending changes', () => {
  it('an event for an item with a pending change does not clobber it; after settling it equals the server', async () => {
    const e = await started(engine());
    server.goDown();
    await e.stores.product.getState().queueUpdate('p2', { name: 'Rye bread' });
    server.autoPush = false;
    // Another device changes the same item; its event arrives while ours waits.
    const theirs = server.commit('product', 'updated', product('p2', 'Bread', 320));
    await e.stores.product.getState().applySync(theirs as SyncEvent<'product'>);
    const shown = e.stores.product.getState().byId.p2;
    expect(shown).toMatchObject({ name: 'Rye bread', priceCents: 320 });
    expect(e.stores.product.getState().digest).toBe(server.status().digests.product);
    server.goUp();
    await until(() => expect(outboxOf(e)[0]?.state).toBe('conflict'));
    expect(e.stores.product.getState().byId.p2).toEqual(server.items.product.get('p2'));
  });

  it('a full refresh in a new epoch keeps the outbox and lays it over the fresh snapshot', async () => {
    const e = await started(engine());
    server.goDown();
    await e.stores.product.getState().queueRemove('p1');
    await e.stores.product.getState().queueUpdate('p2', { priceCents: 310 });
    server.restart();
    server.down = false;
    server.failNext('/api/products/p1', 503, 'unavailable'); // keep the outbox waiting during the reload
    await e.refreshAll();
    const s = e.stores.product.getState();
    expect(s.epoch).toBe(server.epoch);
    expect(s.byId.p1).toBeUndefined();
    expect(s.byId.p2?.priceCents).toBe(310);
    await emptied(e);
    expect(server.items.product.has('p1')).toBe(false);
    expect(server.items.product.get('p2')?.priceCents).toBe(310);
  });
});

describe('tabs', () => {
  it('only the leader tab sends; a write queued in another tab is sent once and settles there', async () => {
    const locks = new FakeLocks() as unknown as Pick<LockManager, 'request'>;
    const options = { dbName: uniqueDbName(), locks, BroadcastChannel };
    const leader = await started(engine(options));
    const follower = engine(options);
    await follower.start();
    expect(follower.connection.getState().isLeader).toBe(false);
    const queued = await follower.stores.product.getState().queueUpdate('p3', { priceCents: 820 });
    await expect(queued.settled).resolves.toMatchObject({ id: 'p3', priceCents: 820 });
    expect(writes()).toHaveLength(1);
    await until(() => expect(outboxOf(leader)).toEqual([]));
    await until(() => expect(follower.stores.product.getState().byId.p3?.priceCents).toBe(820));
    await until(() => expect(follower.stores.product.getState().pending).toEqual({}));
  });
});
