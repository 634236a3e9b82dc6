/**
 * PouchDB's side of peer_pouchdb: the peer server (lib/peer-server.ts) holding the same
 * catalogue, behind a byte relay, and devices running pouchdb-browser (page/pouch-entry.ts)
 * that replicate it into IndexedDB as the document starts, then replicate live.
 */
import type { PouchSettings } from '../page/pouch-entry';
import { pageBundle } from './browser';
import { tracedBurst } from './burst';
import { type ByteRelay, bytesBetween, startByteRelay } from './byte-relay';
import { openDevice } from './device';
import type { ApiClient } from './http';
import { benchProductId } from './marker';
import {
  type CatalogueDoc,
  catalogueDocs,
  loadPeer,
  PEER_DB,
  type PeerServer,
  startPeerServer,
} from './peer-server';
import { LATENCY_IDS, type PeerDevice, type PeerSide } from './peer-side';
import { runAtRate } from './writer';

/**
 * How PouchDB is configured, following its documentation for speed (docs/BENCHMARKS.md,
 * "Side by side with PouchDB", gives the reason for each):
 * - `idb`: the adapter pouchdb-browser ships and PouchDB's adapter guide uses in browsers;
 * - batch_size 1000 instead of 100: "if your documents are small in size, then increasing
 *   this number will probably speed replication up" (ours are ~300 bytes; 500–2000 were
 *   equally fast here, 100 about 1.4× slower);
 * - batches_limit 10 (the default): batches read ahead while one is written;
 * - checkpoint 'target': a read-only device keeps its checkpoint locally; no checkpoint
 *   GET/PUT on the server per batch;
 * - revs_limit 1000 (the default); live + retry after the first one-shot sync.
 */
export const POUCH_SETTINGS: PouchSettings = {
  dbName: 'peer-pouch',
  remoteDb: PEER_DB,
  adapter: 'idb',
  revsLimit: 1000,
  replication: { batch_size: 1000, batches_limit: 10, checkpoint: 'target' },
};

export interface PouchSide extends PeerSide {
  peer: PeerServer;
}

/** Documents per _bulk_docs request of a burst. */
const BURST_CHUNK = 10;

/** Request paths whose responses carry documents (PouchDB's "item" requests). */
const DOC_PATHS = ['/_bulk_get', '/_all_docs'];

/** The peer server loaded with everything `ours` serves, behind its own relay. */
export async function startPouchSide(ours: ApiClient, settings = POUCH_SETTINGS): Promise<PouchSide> {
  const docs = await catalogueDocs(ours);
  const peer = await startPeerServer();
  let relay: ByteRelay | null = null;
  try {
    await loadPeer(peer, docs);
    relay = await startByteRelay(peer.port);
    const counted = relay;
    const ids = docs.filter((d) => d._id.startsWith('product:bench-p-')).map((d) => d._id);
    const script = `${await pageBundle('pouch-entry.ts')}\n;window.pouchBench.syncOnLoad(${JSON.stringify(settings)});`;
    return {
      peer,
      relay: counted,
      openSynced: (timeoutMs) =>
        openSynced(
          peer,
          counted,
          script,
          { productIds: ids, items: docs.length, adapter: settings.adapter },
          timeoutMs,
        ),
      async close() {
        await counted.close();
        await peer.close();
      },
    };
  } catch (err) {
    await relay?.close();
    await peer.close();
    throw err;
  }
}

async function openSynced(
  peer: PeerServer,
  relay: ByteRelay,
  script: string,
  expect: { productIds: string[]; items: number; adapter: string },
  timeoutMs: number,
): Promise<PeerDevice> {
  const { productIds, items } = expect;
  const before = relay.bytes();
  const device = await openDevice(`${relay.url}/`, script);
  const { page } = device;
  try {
    await page.waitForFunction(
      () => window.pouchBench.synced !== null || window.pouchBench.syncError !== null,
      undefined,
      { timeout: timeoutMs, polling: 20 },
    );
    const wire = bytesBetween(before, relay.bytes());
    const { synced, error } = await page.evaluate(() => ({
      synced: window.pouchBench.synced,
      error: window.pouchBench.syncError,
    }));
    if (!synced) throw new Error(`PouchDB did not replicate: ${error}`);
    if (synced.docs !== items)
      throw new Error(`PouchDB stored ${synced.docs} documents, the server has ${items}`);
    await page.evaluate(() => window.pouchBench.waitLiveIdle(60_000));
    const latencyIds = productIds.slice(0, LATENCY_IDS);
    return {
      first: { ms: synced.at, wire, items },
      changeLatency: (writes) =>
        page.evaluate((a) => window.pouchBench.changeLatency(a.ids, a.writes), { ids: latencyIds, writes }),
      async burst(events, perSecond) {
        const docs = await currentDocs(peer, events);
        const tag = `burst-${Date.now()}:`;
        await page.evaluate((prefix) => window.pouchBench.watchMarked(prefix), tag);
        // Small _bulk_docs requests, so the changes reach the server as densely as ours
        // took them (express-pouchdb alone takes fewer single PUTs per second than that).
        const requests = Math.ceil(events / BURST_CHUNK);
        return tracedBurst(
          device.browser,
          page,
          events,
          () =>
            runAtRate(perSecond / BURST_CHUNK, requests, async (i) => {
              const chunk = docs.slice(i * BURST_CHUNK, (i + 1) * BURST_CHUNK);
              const answer = await peer.api.call<{ error?: string }[]>('POST', `/${PEER_DB}/_bulk_docs`, {
                docs: chunk.map((doc, k) => ({ ...doc, description: `${tag}${i * BURST_CHUNK + k}` })),
              });
              return answer.status === 201 && answer.body.every((row) => !row.error);
            }),
          () => page.evaluate((n) => window.pouchBench.waitMarked(n, 120_000), events),
        );
      },
      async restart(downMs) {
        await page.evaluate(() => window.pouchBench.waitLiveIdle(60_000));
        const from = await page.evaluate(() => window.pouchBench.eventCount());
        const t0 = await page.evaluate(() => performance.now());
        const wireBefore = relay.bytes();
        const { droppedConnections } = await peer.restart(downMs);
        const events = await page.evaluate((a) => window.pouchBench.waitResumed(a.from, 60_000), { from });
        const wire = bytesBetween(wireBefore, relay.bytes());
        const requests = await page.evaluate((since) => window.pouchBench.requestsSince(since), t0);
        const itemBytes = requests
          .filter((r) => DOC_PATHS.some((p) => r.path.includes(p)))
          .reduce((n, r) => n + r.body, 0);
        const answered = requests.filter((r) => r.status > 0);
        const paths = answered.map((r) => `${r.path.split('?')[0]} (${r.body} B body)`).join(', ');
        return {
          ...wire,
          itemBytes,
          downMs,
          detail: `${droppedConnections} connection(s) cut, ${requests.length - answered.length} request(s) refused while down, ${events.length} replication event(s), then: ${paths}`,
        };
      },
      close: () => device.close(),
    };
  } catch (err) {
    await device.close();
    throw err;
  }
}

/** The first `count` bench products as the peer holds them now (with their current `_rev`). */
async function currentDocs(peer: PeerServer, count: number): Promise<(CatalogueDoc & { _rev: string })[]> {
  const range = `startkey=${encodeURIComponent(JSON.stringify(`product:${benchProductId(0)}`))}&limit=${count}`;
  const answer = await peer.api.ok<{ rows: { doc: CatalogueDoc & { _rev: string } }[] }>(
    'GET',
    `/${PEER_DB}/_all_docs?include_docs=true&${range}`,
  );
  const docs = answer.rows.map((r) => r.doc).filter((d) => d._id.startsWith('product:bench-p-'));
  if (docs.length < count) throw new Error(`only ${docs.length} bench products on the peer, ${count} needed`);
  return docs;
}
