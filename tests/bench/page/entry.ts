/**
 * The benchmark page: the real sync engine (src/sync) in Chromium, bundled by esbuild and
 * injected into a same-origin document of the server under test, plus the naive clients
 * it is compared with. The driver calls `window.bench.*` through page.evaluate; every
 * time here is the page's own clock (performance.now()).
 */

import type { Snapshot, SyncEvent } from '../../../src/shared/protocol';
import { RESOURCE_NAMES, RESOURCES, type ResourceName } from '../../../src/shared/resources';
import { createSyncEngine } from '../../../src/sync/engine';
import type { EventSourceConstructor, EventSourceLike } from '../../../src/sync/eventStream';
import type { SyncEngine, SyncLogEntry } from '../../../src/sync/types';

type ProductItem = { id: string; version: number; description?: string };

/** An EventSource that never connects: the engine then syncs only when the bench says so. */
class SilentEventSource implements EventSourceLike {
  readonly readyState = 0;
  addEventListener(): void {}
  close(): void {}
}

let engine: SyncEngine | null = null;
performance.setResourceTimingBufferSize(100_000);

const itemPaths = [...RESOURCE_NAMES.map((r) => RESOURCES[r].collection), '/api/sync/changes'];

/** Response body bytes fetched since `since` (page clock), split into item and other requests. */
function bytesSince(since: number): { items: number; other: number; requests: number; listed: string[] } {
  let items = 0;
  let other = 0;
  const listed: string[] = [];
  for (const e of performance.getEntriesByType('resource') as PerformanceResourceTiming[]) {
    if (e.startTime < since || !e.name.includes('/api/')) continue;
    const path = new URL(e.name).pathname;
    listed.push(`${path} (${e.encodedBodySize} B body)`);
    if (itemPaths.some((p) => path === p || path.startsWith(`${p}/`))) items += e.encodedBodySize;
    else other += e.encodedBodySize;
  }
  return { items, other, requests: listed.length, listed };
}

/** Resolves once resource timing has the entries of requests already finished. */
const settleTimings = () => new Promise((r) => setTimeout(r, 50));

function logSince(seq: number): Pick<SyncLogEntry, 'kind' | 'resource' | 'message'>[] {
  return (engine?.log.getState().entries ?? [])
    .filter((e) => e.seq > seq)
    .map(({ kind, resource, message }) => ({ kind, resource, message }));
}

const lastLogSeq = () => engine?.log.getState().entries.at(-1)?.seq ?? 0;

function requireEngine(): SyncEngine {
  if (!engine) throw new Error('no engine started');
  return engine;
}

async function patchProduct(id: string, description: string): Promise<number> {
  const res = await fetch(`/api/products/${id}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ description }),
  });
  if (!res.ok) throw new Error(`PATCH ${id} → ${res.status} ${await res.text()}`);
  return ((await res.json()) as ProductItem).version;
}

/** A raw IndexedDB database with one `product` store: the naive clients' storage. */
function openRaw(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => req.result.createObjectStore('product', { keyPath: 'id' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** One readwrite transaction: optional clear, then a put per item; resolves on commit. */
function rawPutAll(db: IDBDatabase, items: ProductItem[], clear: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction('product', 'readwrite');
    const store = tx.objectStore('product');
    if (clear) store.clear();
    for (const item of items) store.put(item);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

async function fetchProducts(): Promise<Snapshot<'product'>> {
  const res = await fetch('/api/products', { cache: 'no-store' });
  return (await res.json()) as Snapshot<'product'>;
}

/** Long tasks seen by PerformanceObserver (Long Tasks API: tasks over 50 ms). */
let longTasks: number[] = [];
let longTaskObserver: PerformanceObserver | null = null;

const bench = {
  async login(pin: string): Promise<void> {
    const res = await fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pin }),
    });
    if (!res.ok) throw new Error(`login → ${res.status}`);
  },

  /** Starts the engine (session cookie, no tab coordination) and waits for its first load. */
  async startEngine(opts: { dbName: string; resources: ResourceName[]; stream: 'real' | 'silent' }) {
    const t0 = performance.now();
    engine = createSyncEngine({
      dbName: opts.dbName,
      resources: opts.resources,
      EventSource: (opts.stream === 'real'
        ? globalThis.EventSource
        : SilentEventSource) as unknown as EventSourceConstructor,
      locks: null,
      BroadcastChannel: null,
      probeIntervalMs: 60_000,
    });
    await engine.start();
    return {
      ms: performance.now() - t0,
      counts: engine.diagnostics().map((d): [ResourceName, number] => [d.resource, d.localCount]),
    };
  },

  loaded: null as null | { at: number; counts: [ResourceName, number][] },
  loadError: null as string | null,

  /** The peer benchmark's first sync: sign in, start the engine on every type; `loaded.at` is from navigation start. */
  syncOnLoad(pin: string, dbName: string): void {
    bench
      .login(pin)
      .then(() => bench.startEngine({ dbName, resources: [...RESOURCE_NAMES], stream: 'real' }))
      .then(
        (started) => {
          bench.loaded = { at: performance.now(), counts: started.counts };
        },
        (error: unknown) => {
          bench.loadError = error instanceof Error ? error.message : String(error);
        },
      );
  },

  logSeq: () => lastLogSeq(),

  /**
   * Waits (bounded) until every store holds `epoch` and the engine is Online again, e.g.
   * after a server restart; returns what the engine logged since `seq`.
   */
  async waitEpoch(epoch: string, seq: number, timeoutMs: number) {
    const e = requireEngine();
    const t0 = performance.now();
    const adopted = () => RESOURCE_NAMES.every((r) => e.stores[r].getState().epoch === epoch);
    while (!adopted() || e.connection.getState().state !== 'online') {
      if (performance.now() - t0 > timeoutMs)
        throw new Error(`engine not back on epoch ${epoch}: ${JSON.stringify(logSince(seq))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return logSince(seq);
  },

  /** Response body bytes since `since` (page clock), split into item and other requests. */
  async bytesSince(since: number) {
    await settleTimings();
    return bytesSince(since);
  },

  async stopEngine(): Promise<void> {
    await engine?.stop();
    engine = null;
  },

  /** The reconnect check, timed, with what it downloaded and what it decided. */
  async timedCheck(reason: string) {
    const e = requireEngine();
    const seq = lastLogSeq();
    performance.clearResourceTimings();
    const t0 = performance.now();
    await e.check(reason);
    const ms = performance.now() - t0;
    await settleTimings();
    return { ms, bytes: bytesSince(t0), log: logSince(seq) };
  },

  /** The naive way: reload every loaded type (or one) from a full snapshot, timed. */
  async timedReload(resource: ResourceName | null) {
    const e = requireEngine();
    performance.clearResourceTimings();
    const t0 = performance.now();
    if (resource) await e.stores[resource].getState().fetchAll(true);
    else await e.refreshAll();
    const ms = performance.now() - t0;
    await settleTimings();
    const error = resource ? e.stores[resource].getState().error : null;
    if (error) throw new Error(`reload failed: ${error.message}`);
    return { ms, bytes: bytesSince(t0) };
  },

  /** Waits (bounded) until the engine says Online: stream open, nothing left to sync. */
  async waitOnline(timeoutMs: number): Promise<void> {
    const e = requireEngine();
    const t0 = performance.now();
    while (e.connection.getState().state !== 'online') {
      if (performance.now() - t0 > timeoutMs)
        throw new Error(`engine still ${e.connection.getState().state}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  },

  productState() {
    const s = requireEngine().stores.product.getState();
    return { count: s.items.length, lastVersion: s.lastVersion, digest: s.digest, epoch: s.epoch };
  },

  /** The raw baseline of snapshot_persist: fetch + parse + one transaction of puts. */
  async rawSnapshotPersist(dbName: string) {
    const db = await openRaw(dbName);
    try {
      const t0 = performance.now();
      const snapshot = await fetchProducts();
      await rawPutAll(db, snapshot.items, true);
      return { ms: performance.now() - t0, items: snapshot.items.length };
    } finally {
      db.close();
    }
  },

  /**
   * change_latency through the engine: PATCH from this page, then wait until the product
   * store publishes the new description (published only after the IndexedDB commit).
   */
  async engineChangeLatency(ids: string[], n: number): Promise<number[]> {
    const store = requireEngine().stores.product;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const id = ids[i % ids.length]!;
      const text = `lat-${Date.now()}-${i}`;
      let unsubscribe = () => {};
      const seen = new Promise<number>((resolve) => {
        unsubscribe = store.subscribe((s) => {
          if ((s.byId[id] as ProductItem | undefined)?.description === text) resolve(performance.now());
        });
      });
      const t0 = performance.now();
      await patchProduct(id, text);
      const t1 = await Promise.race([
        seen,
        new Promise<number>((r) => setTimeout(() => r(Number.NaN), 10_000)),
      ]);
      unsubscribe();
      if (Number.isNaN(t1)) throw new Error(`change ${i} of ${id} did not reach the store in 10 s`);
      out.push(t1 - t0);
    }
    return out;
  },

  /**
   * The naive client of change_latency: on every event, refetch the whole collection and
   * store it in one raw transaction; latency ends when that commit holds the change.
   */
  async naiveChangeLatency(ids: string[], n: number, dbName: string): Promise<number[]> {
    const db = await openRaw(dbName);
    const source = new EventSource('/api/sync/events');
    let waiting: { id: string; text: string; resolve: (t: number) => void } | null = null;
    source.addEventListener('sync', () => {
      void (async () => {
        const snapshot = await fetchProducts();
        await rawPutAll(db, snapshot.items, false);
        const w = waiting;
        if (w && snapshot.items.find((p) => p.id === w.id)?.description === w.text)
          w.resolve(performance.now());
      })();
    });
    await new Promise<void>((resolve, reject) => {
      source.addEventListener('hello', () => resolve(), { once: true });
      setTimeout(() => reject(new Error('naive stream did not open')), 10_000);
    });
    const out: number[] = [];
    try {
      for (let i = 0; i < n; i++) {
        const id = ids[i % ids.length]!;
        const text = `naive-${Date.now()}-${i}`;
        const seen = new Promise<number>((resolve) => {
          waiting = { id, text, resolve };
        });
        const t0 = performance.now();
        await patchProduct(id, text);
        const t1 = await Promise.race([
          seen,
          new Promise<number>((r) => setTimeout(() => r(Number.NaN), 30_000)),
        ]);
        if (Number.isNaN(t1)) throw new Error(`naive change ${i} not seen in 30 s`);
        out.push(t1 - t0);
      }
    } finally {
      source.close();
      db.close();
    }
    return out;
  },

  startLongTasks(): void {
    longTasks = [];
    longTaskObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) longTasks.push(e.duration);
    });
    longTaskObserver.observe({ type: 'longtask', buffered: false });
  },

  stopLongTasks(): number[] {
    longTaskObserver?.disconnect();
    longTaskObserver = null;
    return longTasks;
  },

  /** Waits (bounded) until the engine's product store reaches `version`. */
  async waitProductVersion(version: number, timeoutMs: number): Promise<number> {
    const store = requireEngine().stores.product;
    const t0 = performance.now();
    while (store.getState().lastVersion < version) {
      if (performance.now() - t0 > timeoutMs)
        throw new Error(`product store at v${store.getState().lastVersion}, wanted v${version}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return performance.now() - t0;
  },

  /**
   * The naive client of burst_no_jank: one IndexedDB transaction and one immutable array
   * update per event, as a first-try Zustand reducer would do.
   */
  naive: null as null | { version: number; close(): void },
  async startNaiveApplier(dbName: string): Promise<number> {
    const db = await openRaw(dbName);
    const snapshot = await fetchProducts();
    await rawPutAll(db, snapshot.items, true);
    let items = snapshot.items as ProductItem[];
    const state = { version: snapshot.version, close: () => {} };
    const source = new EventSource('/api/sync/events');
    source.addEventListener('sync', (message) => {
      const event = JSON.parse((message as MessageEvent<string>).data) as SyncEvent;
      if (event.resource !== 'product' || !event.data) return;
      const item = event.data as ProductItem;
      db.transaction('product', 'readwrite').objectStore('product').put(item);
      items = items.map((p) => (p.id === item.id ? item : p));
      state.version = Math.max(state.version, event.version);
    });
    state.close = () => {
      source.close();
      db.close();
    };
    bench.naive = state;
    await new Promise<void>((resolve) => source.addEventListener('hello', () => resolve(), { once: true }));
    return items.length;
  },
  async waitNaiveVersion(version: number, timeoutMs: number): Promise<void> {
    const t0 = performance.now();
    while ((bench.naive?.version ?? 0) < version) {
      if (performance.now() - t0 > timeoutMs)
        throw new Error(`naive applier stuck at v${bench.naive?.version}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  },
  stopNaiveApplier(): void {
    bench.naive?.close();
    bench.naive = null;
  },
};

(globalThis as unknown as { bench: typeof bench }).bench = bench;

export type BenchApi = typeof bench;
