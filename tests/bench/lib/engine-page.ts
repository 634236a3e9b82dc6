/**
 * The setup shared by the big-catalogue engine benchmarks: a server with N products and
 * the benchmark page whose engine has loaded all ten types (stream silent, so syncing
 * happens only when the benchmark asks).
 */

import type { SyncStatus } from '../../../src/shared/protocol';
import { RESOURCE_NAMES } from '../../../src/shared/resources';
import { type BenchPage, openBenchPage } from './browser';
import { type BenchServer, startBenchServer } from './server';

export interface LoadedEngine {
  bench: BenchServer;
  page: BenchPage;
  /** Page JS heap before the engine started, bytes. */
  heapBefore: number;
  /** Server RSS right after start, before any client loaded anything, KiB. */
  serverIdleKiB: number;
  loadMs: number;
  close(): Promise<void>;
}

export async function startLoadedEngine(
  products: number,
  resources = [...RESOURCE_NAMES],
): Promise<LoadedEngine> {
  const bench = await startBenchServer(products);
  const serverIdleKiB = bench.memory().rssKiB;
  let page: BenchPage | null = null;
  try {
    page = await openBenchPage(bench.server.url);
    const heapBefore = await page.heapUsed();
    const p = page.page;
    const started = await p.evaluate(
      (r) => window.bench.startEngine({ dbName: 'bench-engine', resources: r, stream: 'silent' }),
      resources,
    );
    const status = await bench.api.ok<SyncStatus>('GET', '/api/sync/status');
    const state = await p.evaluate(() => window.bench.productState());
    if (
      resources.includes('product') &&
      (state.count !== status.counts.product || state.digest !== status.digests.product)
    )
      throw new Error(
        `engine loaded ${state.count} products (${state.digest}), server has ${status.counts.product}`,
      );
    const loaded = page;
    return {
      bench,
      page: loaded,
      heapBefore,
      serverIdleKiB,
      loadMs: started.ms,
      async close() {
        await loaded.close();
        await bench.close();
      },
    };
  } catch (err) {
    await page?.close();
    await bench.close();
    throw err;
  }
}

/** Patches `count` distinct products (bounded concurrency) so the type moves on by `count`. */
export async function changeProducts(bench: BenchServer, ids: string[], tag: string): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      await bench.api.ok('PATCH', `/api/products/${id}`, { description: `${tag} ${id}` });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}
