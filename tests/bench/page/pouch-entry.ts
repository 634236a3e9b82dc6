/**
 * The PouchDB peer's device page: pouchdb-browser replicating the peer server's catalogue
 * into IndexedDB, bundled by esbuild and run at document start on a page of the peer
 * server's own origin. The driver calls `window.pouchBench.*` through page.evaluate; every
 * time here is the page's own clock (performance.now(), 0 = navigation start).
 */
import PouchDB, { type PouchDoc, type Replication, type ReplicationOptions } from 'pouchdb-browser';

/** How the device opens and replicates; chosen and justified in lib/peer-pouch.ts. */
export interface PouchSettings {
  dbName: string;
  remoteDb: string;
  adapter: 'idb';
  revsLimit: number;
  replication: Pick<ReplicationOptions, 'batch_size' | 'batches_limit' | 'checkpoint'>;
}

interface ReplicationEvent {
  type: 'paused' | 'active' | 'error';
  at: number;
  error: string | null;
}

let db: PouchDB | null = null;
let remoteDb = '';
let live: Replication | null = null;
const events: ReplicationEvent[] = [];
/** Change latency: the write the page waits to see replicated. */
let waiting: { id: string; text: string; resolve: (at: number) => void } | null = null;
/** Burst: ids seen with a description starting with `prefix`. */
let watch: { prefix: string; ids: Set<string>; lastAt: number } | null = null;
performance.setResourceTimingBufferSize(100_000);

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function requireDb(): PouchDB {
  if (!db) throw new Error('no database opened');
  return db;
}

/** Called for every batch the live replication wrote: the documents are stored by now. */
function onWritten(docs: PouchDoc[]): void {
  const at = performance.now();
  for (const doc of docs) {
    const description = typeof doc.description === 'string' ? doc.description : '';
    if (waiting && doc._id === waiting.id && description === waiting.text) waiting.resolve(at);
    if (watch && description.startsWith(watch.prefix)) {
      watch.ids.add(doc._id);
      watch.lastAt = at;
    }
  }
}

function startLive(settings: PouchSettings): void {
  const options: ReplicationOptions = { ...settings.replication, live: true, retry: true };
  live = requireDb().replicate.from(`${location.origin}/${remoteDb}`, options);
  live.on('change', (info) => onWritten(info.docs ?? []));
  live.on('paused', (error) =>
    events.push({ type: 'paused', at: performance.now(), error: error ? describe(error) : null }),
  );
  live.on('active', () => events.push({ type: 'active', at: performance.now(), error: null }));
  live.on('error', (error) => events.push({ type: 'error', at: performance.now(), error: describe(error) }));
}

const pouchBench = {
  synced: null as null | { at: number; docs: number; written: number; adapter: string },
  syncError: null as string | null,

  /** First sync: one-shot replication of the whole catalogue, then live replication from its checkpoint. */
  syncOnLoad(settings: PouchSettings): void {
    db = new PouchDB(settings.dbName, { adapter: settings.adapter, revs_limit: settings.revsLimit });
    remoteDb = settings.remoteDb;
    const local = db;
    local.replicate
      .from(`${location.origin}/${remoteDb}`, settings.replication)
      .then(async (result) => {
        const at = performance.now();
        const info = await local.info();
        pouchBench.synced = {
          at,
          docs: info.doc_count,
          written: result.docs_written,
          adapter: local.adapter,
        };
        startLive(settings);
      })
      .then(undefined, (error: unknown) => {
        pouchBench.syncError = describe(error);
      });
  },

  /** Waits (bounded) until live replication is idle: its last event is a `paused` without error. */
  async waitLiveIdle(timeoutMs: number): Promise<void> {
    const t0 = performance.now();
    while (events.at(-1)?.type !== 'paused' || events.at(-1)?.error) {
      if (performance.now() - t0 > timeoutMs)
        throw new Error(`live replication not idle: ${JSON.stringify(events.at(-1))}`);
      await sleep(10);
    }
  },

  /**
   * change_latency for PouchDB: PUT a new revision to the server from this page, then wait
   * until live replication has written it into the local database.
   */
  async changeLatency(ids: string[], n: number): Promise<number[]> {
    const local = requireDb();
    const docs = new Map<string, PouchDoc>();
    for (const id of ids) docs.set(id, await local.get(id));
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const id = ids[i % ids.length]!;
      const text = `lat-${Date.now()}-${i}`;
      const seen = new Promise<number>((resolve) => {
        waiting = { id, text, resolve };
      });
      const t0 = performance.now();
      const doc = { ...docs.get(id)!, description: text };
      const res = await fetch(`/${remoteDb}/${encodeURIComponent(id)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(doc),
      });
      if (!res.ok) throw new Error(`PUT ${id} → ${res.status} ${await res.text()}`);
      docs.set(id, { ...doc, _rev: ((await res.json()) as { rev: string }).rev });
      const t1 = await Promise.race([seen, sleep(10_000).then(() => Number.NaN)]);
      waiting = null;
      if (Number.isNaN(t1)) throw new Error(`change ${i} of ${id} was not replicated in 10 s`);
      out.push(t1 - t0);
    }
    return out;
  },

  /** Starts counting replicated documents whose description starts with `prefix`. */
  watchMarked(prefix: string): void {
    watch = { prefix, ids: new Set(), lastAt: 0 };
  },

  /** Waits (bounded) until `count` distinct documents carrying the watched prefix are stored. */
  async waitMarked(count: number, timeoutMs: number): Promise<number> {
    const t0 = performance.now();
    while ((watch?.ids.size ?? 0) < count) {
      if (performance.now() - t0 > timeoutMs)
        throw new Error(`only ${watch?.ids.size ?? 0}/${count} marked docs replicated`);
      await sleep(5);
    }
    const seen = watch!;
    watch = null;
    return seen.lastAt;
  },

  eventCount: () => events.length,

  /** Ends live replication and closes the local database. */
  async stop(): Promise<void> {
    live?.cancel();
    live = null;
    await db?.close();
    db = null;
  },

  /**
   * After the server dropped every connection: waits (bounded) until live replication
   * failed (`paused` with an error), retried and is idle again (`paused` without one).
   */
  async waitResumed(fromEvent: number, timeoutMs: number): Promise<ReplicationEvent[]> {
    const t0 = performance.now();
    for (;;) {
      const since = events.slice(fromEvent);
      const failed = since.findIndex((e) => e.type === 'paused' && e.error);
      if (since.some((e) => e.type === 'error'))
        throw new Error(`replication stopped: ${JSON.stringify(since)}`);
      if (failed >= 0 && since.slice(failed + 1).some((e) => e.type === 'paused' && !e.error)) return since;
      if (performance.now() - t0 > timeoutMs)
        throw new Error(`replication did not resume: ${JSON.stringify(since)}`);
      await sleep(10);
    }
  },

  /** Requests that started at or after `since` (page clock): path, HTTP status (0: failed), body bytes. */
  async requestsSince(since: number) {
    await sleep(50);
    return (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .filter((e) => e.startTime >= since)
      .map((e) => {
        const url = new URL(e.name);
        return { path: `${url.pathname}${url.search}`, status: e.responseStatus, body: e.encodedBodySize };
      });
  },
};

(globalThis as unknown as { pouchBench: typeof pouchBench }).pouchBench = pouchBench;

export type PouchBenchApi = typeof pouchBench;
