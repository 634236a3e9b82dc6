/**
 * The sync engine against the real server process on 127.0.0.1: two engines see each
 * other's writes; a restart with changes made by another process is repaired by catch-up
 * and digest verification; a wiped, reseeded server is detected by digest and reloaded.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { EventSource } from 'eventsource';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import type { Snapshot, SyncStatus } from '../../src/shared/protocol';
import { type Item, RESOURCE_NAMES, RESOURCES, type ResourceName } from '../../src/shared/resources';
import { createSyncEngine } from '../../src/sync/engine';
import type { SyncEngine, SyncLogEntry } from '../../src/sync/types';
import { startServer, type TestServer } from '../helpers/server';
import { until } from '../helpers/wait';

const servers: TestServer[] = [];
const engines: SyncEngine[] = [];

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function server(options: Parameters<typeof startServer>[0] = {}): Promise<TestServer> {
  const s = await startServer(options);
  servers.push(s);
  return s;
}

/** An engine as a Node client: bearer token, the `eventsource` package, its own fake IndexedDB. */
function engine(url: string, initialToken: string) {
  let token = initialToken;
  const requests: { method: string; path: string; query: URLSearchParams; status?: number }[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const u = new URL(input instanceof Request ? input.url : String(input));
    const request: (typeof requests)[number] = {
      method: init?.method ?? 'GET',
      path: u.pathname,
      query: u.searchParams,
    };
    requests.push(request);
    const response = await fetch(input, init);
    request.status = response.status;
    return response;
  };
  const e = createSyncEngine({
    baseUrl: url,
    fetch: recordingFetch,
    getToken: () => token,
    EventSource,
    dbName: `red-coral-it-${crypto.randomUUID()}`,
    indexedDB,
    IDBKeyRange,
    locks: null,
    BroadcastChannel: null,
    probeIntervalMs: 100,
  });
  engines.push(e);
  /** Requests that move items (everything but status, health and the stream itself). */
  const itemRequests = () =>
    requests.filter((r) => !['/api/sync/status', '/api/health', '/api/sync/events'].includes(r.path));
  /** Signs the engine in again (a wiped server forgot every session). */
  const setToken = (next: string) => {
    token = next;
  };
  return { engine: e, requests, itemRequests, setToken };
}

async function call<T>(url: string, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return { body: JSON.parse(text) as T, bytes: Buffer.byteLength(text) };
}

const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);

/** Waits until every type of the engine matches the server's status exactly. */
async function converged(e: SyncEngine, url: string): Promise<SyncStatus> {
  let status!: SyncStatus;
  await until(async () => {
    status = (await (await fetch(`${url}/api/sync/status`)).json()) as SyncStatus;
    expect(e.connection.getState().state).toBe('online');
    for (const r of RESOURCE_NAMES) {
      const s = e.stores[r].getState();
      expect({ r, epoch: s.epoch, version: s.lastVersion, digest: s.digest }).toEqual({
        r,
        epoch: status.epoch,
        version: status.versions[r],
        digest: status.digests[r],
      });
    }
  });
  return status;
}

const decisions = (entries: SyncLogEntry[]) =>
  entries.filter((x) =>
    [
      'snapshot',
      'full_refresh',
      'too_old_reload',
      'digest_mismatch',
      'digest_verified',
      'gap_caught_up',
    ].includes(x.kind),
  );

describe('sync engine against the real server', () => {
  it('a write through one engine is applied by the other from the event stream alone', async () => {
    const s = await server();
    const token = await s.login();
    const a = engine(s.url, token);
    const b = engine(s.url, token);
    await Promise.all([a.engine.start(), b.engine.start()]);
    await converged(a.engine, s.url);
    await converged(b.engine, s.url);
    expect(
      b
        .itemRequests()
        .map((r) => r.path)
        .sort(),
    ).toEqual(RESOURCE_NAMES.map((r) => RESOURCES[r].collection).sort());
    b.requests.length = 0;

    const products = a.engine.stores.product;
    const target = products.getState().items[0]!;
    const updated = await products.getState().update(target.id, { priceCents: target.priceCents + 25 });
    const { id: _id, version: _v, ...fields } = target;
    const created = await products.getState().create({ ...fields, name: 'Integration special' });
    await a.engine.stores.zone.getState().create({ name: 'Garden', sortOrder: 9 });
    const zone = a.engine.stores.zone.getState().items.find((z) => z.name === 'Garden')!;
    await a.engine.stores.zone.getState().remove(zone.id);

    await until(() => {
      expect(b.engine.stores.product.getState().byId[target.id]).toEqual(updated);
      expect(b.engine.stores.product.getState().byId[created.id]).toEqual(created);
      expect(b.engine.stores.zone.getState().byId[zone.id]).toBeUndefined();
      expect(b.engine.stores.zone.getState().lastVersion).toBe(a.engine.stores.zone.getState().lastVersion);
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.engine.stores.product.getState().lastVersion).toBe(updated.version + 1);
    expect(b.itemRequests()).toEqual([]);
    await converged(b.engine, s.url);
    expect(b.engine.stores.product.getState().recentlyChanged[created.id]).toBeGreaterThan(0);
  });

  it('after a restart with changes made by another process, the engine catches up and verifies digests', async () => {
    const s = await server();
    const token = await s.login();
    const a = engine(s.url, token);
    await a.engine.start();
    const before = await converged(a.engine, s.url);
    const product = a.engine.stores.product.getState().items[0]!;

    await s.stop();
    await until(() => expect(a.engine.connection.getState().state).toBe('offline'));
    const other = await server({ dataDir: s.dataDir, adminPin: s.adminPin });
    const otherToken = await other.login();
    await call(other.url, otherToken, 'PATCH', `/api/products/${product.id}`, {
      priceCents: product.priceCents + 100,
    });
    await call(other.url, otherToken, 'PATCH', `/api/products/${product.id}`, { name: 'Renamed elsewhere' });
    await other.stop();
    servers.splice(servers.indexOf(other), 1);

    a.requests.length = 0;
    const logBefore = a.engine.log.getState().entries.length;
    await s.restart();
    const after = await converged(a.engine, s.url);
    expect(after.epoch).not.toBe(before.epoch);
    expect(a.engine.stores.product.getState().byId[product.id]).toMatchObject({
      name: 'Renamed elsewhere',
      priceCents: product.priceCents + 100,
      version: before.versions.product + 2,
    });

    // Exactly one item request: the product change log since the version we held.
    expect(a.itemRequests().map((r) => `${r.path}?${r.query}`)).toEqual([
      `/api/sync/changes?resource=product&since=${before.versions.product}&epoch=${after.epoch}`,
    ]);
    const entries = decisions(a.engine.log.getState().entries.slice(logBefore));
    const expected = await call<unknown>(
      s.url,
      token,
      'GET',
      `/api/sync/changes?resource=product&since=${before.versions.product}&epoch=${after.epoch}`,
    );
    expect(entries.filter((x) => x.resource === 'product')).toEqual([
      expect.objectContaining({
        kind: 'gap_caught_up',
        bytes: expected.bytes,
        version: after.versions.product,
      }),
    ]);
    const others = entries.filter((x) => x.resource !== 'product');
    expect(others.map((x) => [x.resource, x.kind, x.bytes]).sort()).toEqual(
      RESOURCE_NAMES.filter((r) => r !== 'product')
        .map((r) => [r, 'digest_verified', 0])
        .sort(),
    );
  });

  it('a wiped and reseeded server is detected by digest: every type reloads to exactly the server items', async () => {
    const s = await server();
    const token = await s.login();
    const a = engine(s.url, token);
    await a.engine.start();
    const before = await converged(a.engine, s.url);

    await s.stop();
    rmSync(s.dataDir, { recursive: true, force: true });
    mkdirSync(s.dataDir);
    a.requests.length = 0;
    const logBefore = a.engine.log.getState().entries.length;
    await s.restart(); // a new database, seeded with new random ids
    const freshToken = await s.login();
    a.setToken(freshToken);
    const after = await converged(a.engine, s.url);
    expect(after.digests.product).not.toBe(before.digests.product);

    const reloaded = decisions(a.engine.log.getState().entries.slice(logBefore));
    expect(reloaded.map((x) => [x.resource, x.kind]).sort()).toEqual(
      RESOURCE_NAMES.map((r) => [r, 'digest_mismatch']).sort(),
    );
    for (const r of RESOURCE_NAMES) {
      const { body, bytes } = await call<Snapshot<ResourceName>>(
        s.url,
        freshToken,
        'GET',
        RESOURCES[r].collection,
      );
      const local = [...a.engine.stores[r].getState().items].sort(byId) as Item[];
      expect(local).toEqual([...body.items].sort(byId));
      expect(a.engine.stores[r].getState().lastVersion).toBe(body.version);
      expect(reloaded.find((x) => x.resource === r)?.bytes).toBe(bytes);
    }
    // The old session died with the database: tries before signing in again were refused.
    const answered = a.itemRequests().filter((x) => x.status !== 401);
    expect(answered.map((x) => [x.path, x.status]).sort()).toEqual(
      RESOURCE_NAMES.map((r) => [RESOURCES[r].collection, 200]).sort(),
    );
  });
});
