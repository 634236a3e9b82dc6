import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PersistenceApi } from '../../src/sync/persistence';
import type { SyncEngine } from '../../src/sync/types';
import { until } from '../helpers/wait';
import { FakeServer, product } from './support/fakeServer';
import { makeEngine } from './support/setup';

const engines: SyncEngine[] = [];

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop()));
});

/** Starts an engine whose browser answers the persistence request with `storageManager`. */
async function started(storageManager: PersistenceApi | null): Promise<SyncEngine> {
  const server = new FakeServer();
  server.seed('product', [product('p1', 'Soup', 450)]);
  const engine = makeEngine(server, { storageManager, resources: ['product'] });
  engines.push(engine);
  await engine.start();
  return engine;
}

const logged = (engine: SyncEngine) =>
  engine.log
    .getState()
    .entries.filter((e) => e.kind === 'persistence')
    .map((e) => e.message);

const _WAIT = { timeout: 5_000 };

describe('persistent storage (navigator.storage.persist)', () => {
  it('refused: the engine syncs all the same, and says so in its state and its log', async () => {
    const engine = await started({ persisted: async () => false, persist: async () => false });
    await until(() => expect(engine.persistence.getState()).toEqual({ state: 'refused' }));
    expect(engine.stores.product.getState().byId.p1?.priceCents).toBe(450);
    await until(() => expect(engine.connection.getState().state).toBe('online'));
    expect(logged(engine)).toEqual([
      'persistent storage refused: the browser may clear this device’s data; it is then reloaded from the server',
    ]);
  });

  it('a request that throws is a refusal with its reason', async () => {
    const engine = await started({
      persisted: async () => false,
      persist: () => Promise.reject(new DOMException('not here', 'NotAllowedError')),
    });
    await until(() =>
      expect(engine.persistence.getState()).toEqual({
        state: 'failed',
        message: 'NotAllowedError: not here',
      }),
    );
    expect(engine.stores.product.getState().isLoaded).toBe(true);
  });

  it('already granted: not asked again (no prompt)', async () => {
    const persist = vi.fn(async () => true);
    const engine = await started({ persisted: async () => true, persist });
    await until(() => expect(engine.persistence.getState()).toEqual({ state: 'persisted' }));
    expect(persist).not.toHaveBeenCalled();
  });

  it('a browser without it (WebKitGTK) is "unavailable"; one that never answers stays "asking"', async () => {
    const without = await started(null);
    await until(() => expect(without.persistence.getState()).toEqual({ state: 'unavailable' }));
    const silent = await started({
      persisted: async () => false,
      persist: () => new Promise<boolean>(() => undefined),
    });
    await until(() => expect(silent.connection.getState().state).toBe('online'));
    expect(silent.persistence.getState()).toEqual({ state: 'asking' });
    expect(logged(silent)).toEqual([]);
  });
});
