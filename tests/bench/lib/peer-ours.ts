/**
 * Our side of peer_pouchdb: the real server on the demo + N products, behind a byte relay,
 * and devices running the engine page (page/entry.ts) that sign in and load all ten types
 * as the document starts, with the real event stream.
 */
import type { SyncStatus } from '../../../src/shared/protocol';
import { RESOURCE_NAMES } from '../../../src/shared/resources';
import { pageBundle } from './browser';
import { tracedBurst } from './burst';
import { bytesBetween, startByteRelay } from './byte-relay';
import { openDevice } from './device';
import { benchProductId } from './marker';
import { LATENCY_IDS, type PeerDevice, type PeerSide } from './peer-side';
import { ADMIN_PIN } from './seed';
import { type BenchServer, startBenchServer } from './server';
import { writeAtRate } from './writer';

export interface OurSide extends PeerSide {
  bench: BenchServer;
}

export async function startOurSide(products: number): Promise<OurSide> {
  const bench = await startBenchServer(products);
  const relay = await startByteRelay(bench.server.port).catch(async (err) => {
    await bench.close();
    throw err;
  });
  const ids = Array.from({ length: Math.min(products, LATENCY_IDS) }, (_, i) => benchProductId(i));
  const script = `${await pageBundle('entry.ts')}\n;window.bench.syncOnLoad(${JSON.stringify(ADMIN_PIN)}, 'peer-engine');`;

  async function openSynced(timeoutMs: number): Promise<PeerDevice> {
    const before = relay.bytes();
    const device = await openDevice(`${relay.url}/api/health`, script);
    const { page } = device;
    try {
      await page.waitForFunction(
        () => window.bench.loaded !== null || window.bench.loadError !== null,
        undefined,
        {
          timeout: timeoutMs,
          polling: 20,
        },
      );
      const wire = bytesBetween(before, relay.bytes());
      const { loaded, error } = await page.evaluate(() => ({
        loaded: window.bench.loaded,
        error: window.bench.loadError,
      }));
      if (!loaded) throw new Error(`engine did not load: ${error}`);
      const status = await bench.api.ok<SyncStatus>('GET', '/api/sync/status');
      const counts = new Map(loaded.counts);
      const wrong = RESOURCE_NAMES.filter((r) => counts.get(r) !== status.counts[r]);
      if (wrong.length > 0) throw new Error(`engine holds wrong counts for ${wrong.join(', ')}`);
      const items = RESOURCE_NAMES.reduce((n, r) => n + status.counts[r], 0);
      await page.evaluate(() => window.bench.waitOnline(60_000));
      return {
        first: { ms: loaded.at, wire, items },
        changeLatency: (writes) =>
          page.evaluate((a) => window.bench.engineChangeLatency(a.ids, a.writes), { ids, writes }),
        async burst(events, perSecond) {
          const { versions } = await bench.api.ok<SyncStatus>('GET', '/api/sync/status');
          return tracedBurst(
            device.browser,
            page,
            events,
            () => writeAtRate(bench.api, perSecond, events / perSecond, products),
            () =>
              page.evaluate((v) => window.bench.waitProductVersion(v, 120_000), versions.product + events),
          );
        },
        async restart() {
          await page.evaluate(() => window.bench.waitOnline(60_000));
          const seq = await page.evaluate(() => window.bench.logSeq());
          const t0 = await page.evaluate(() => performance.now());
          const wireBefore = relay.bytes();
          const down = performance.now();
          await bench.restart();
          const downMs = performance.now() - down;
          const epoch = await bench.server.epoch();
          const log = await page.evaluate((a) => window.bench.waitEpoch(a.epoch, a.seq, 60_000), {
            epoch,
            seq,
          });
          const wire = bytesBetween(wireBefore, relay.bytes());
          const bodies = await page.evaluate((since) => window.bench.bytesSince(since), t0);
          const verified = log.filter((e) => e.kind === 'digest_verified').length;
          const reads = log.filter((e) => e.kind === 'check' && e.message.includes('status read')).length;
          return {
            ...wire,
            itemBytes: bodies.items,
            downMs,
            detail: `${reads} status read(s), ${verified}/10 types kept by digest; requests: ${bodies.listed.join(', ')} and the event stream`,
          };
        },
        close: () => device.close(),
      };
    } catch (err) {
      await device.close();
      throw err;
    }
  }

  return {
    bench,
    relay,
    openSynced,
    async close() {
      await relay.close();
      await bench.close();
    },
  };
}
