/**
 * Builders for unit tests: an engine or a single store wired to a FakeServer and to
 * fake-indexeddb, each with a database of its own.
 */
import { IDBKeyRange, IDBObjectStore, indexedDB } from 'fake-indexeddb';
import { vi } from 'vitest';
import type { ResourceName } from '../../../src/shared/resources';
import { createApi } from '../../../src/sync/api';
import { SyncDatabase } from '../../../src/sync/db';
import { createSyncEngine, type SyncEngineOptions } from '../../../src/sync/engine';
import { createOutboxService } from '../../../src/sync/outboxService';
import type { LifecycleHandlers, PageLifecycle } from '../../../src/sync/pageLifecycle';
import {
  createResourceStore,
  type ResourceController,
  type ResourceStoreDeps,
} from '../../../src/sync/resourceStore';
import { createSyncLog } from '../../../src/sync/syncLog';
import type { SyncEngine, SyncLogEntry } from '../../../src/sync/types';
import { FAKE_ORIGIN, type FakeServer } from './fakeServer';
import { FakeLocks } from './locks';

export { IDBKeyRange, IDBObjectStore, indexedDB };

let counter = 0;

/** A database name no other test uses. */
export function uniqueDbName(): string {
  return `red-coral-test-${++counter}-${crypto.randomUUID()}`;
}

export function openTestDb(name = uniqueDbName()): SyncDatabase {
  return new SyncDatabase(name, { indexedDB, IDBKeyRange });
}

/** An engine on the fake server; no tab coordination unless the test passes locks. */
export function makeEngine(server: FakeServer, options: SyncEngineOptions = {}): SyncEngine {
  return createSyncEngine({
    baseUrl: FAKE_ORIGIN,
    fetch: server.fetch,
    EventSource: server.EventSource,
    dbName: uniqueDbName(),
    indexedDB,
    IDBKeyRange,
    locks: null,
    BroadcastChannel: null,
    probeIntervalMs: 10,
    ...options,
  });
}

/** A tab's Page Lifecycle, driven by the test: `freeze()` and `resume()` as the browser would. */
export interface FakeLifecycle {
  subscribe: PageLifecycle;
  freeze(): void;
  resume(): void;
}

export function fakeLifecycle(): FakeLifecycle {
  const subscribers = new Set<LifecycleHandlers>();
  return {
    subscribe(handlers) {
      subscribers.add(handlers);
      return () => subscribers.delete(handlers);
    },
    freeze: () => {
      for (const h of subscribers) h.onSuspend();
    },
    resume: () => {
      for (const h of subscribers) h.onResume();
    },
  };
}

/**
 * Two tabs of one browser on `server`: same database, same Web Locks, real
 * BroadcastChannel, products only, each with a lifecycle the test can freeze. The first
 * started leads the event stream; both are pushed onto `engines` so the test's afterEach
 * stops them.
 */
export async function startTwoTabs(
  server: FakeServer,
  engines: SyncEngine[],
): Promise<{
  first: SyncEngine;
  second: SyncEngine;
  lifecycles: [FakeLifecycle, FakeLifecycle];
  /** Opens one more tab of the same browser (started, and on `engines` too). */
  openTab(): Promise<SyncEngine>;
}> {
  const locks = new FakeLocks() as unknown as Pick<LockManager, 'request'>;
  const options = { dbName: uniqueDbName(), locks, BroadcastChannel, resources: ['product' as const] };
  const openTab = async (lifecycle: FakeLifecycle = fakeLifecycle()) => {
    const tab = makeEngine(server, { ...options, lifecycle: lifecycle.subscribe });
    engines.push(tab);
    await tab.start();
    return tab;
  };
  const lifecycles: [FakeLifecycle, FakeLifecycle] = [fakeLifecycle(), fakeLifecycle()];
  const first = await openTab(lifecycles[0]);
  const second = await openTab(lifecycles[1]);
  return { first, second, lifecycles, openTab: () => openTab() };
}

/** One store on the fake server with spies for what it asks of the engine, and its own outbox. */
export function makeStore<R extends ResourceName>(
  server: FakeServer,
  resource: R,
  overrides: Partial<ResourceStoreDeps> = {},
) {
  const db = openTestDb();
  const log = createSyncLog();
  const api = createApi({ baseUrl: FAKE_ORIGIN, fetch: server.fetch });
  let controller: ResourceController<R> | null = null;
  const outbox = createOutboxService({
    name: db.name,
    db: () => db,
    api,
    log,
    BroadcastChannel: null,
    isLeader: () => true,
    // The one store of this setup answers for every type the sender asks about.
    controller: <T extends ResourceName>() => controller as unknown as ResourceController<T>,
  });
  const deps = {
    api,
    db: () => db,
    log,
    requestCheck: vi.fn<(reason: string) => void>(),
    onStorageError: vi.fn<(resource: ResourceName, error: unknown) => void>(),
    isLive: () => true,
    outbox: outbox.link,
    ...overrides,
  };
  controller = createResourceStore(resource, deps);
  const ready = outbox.start();
  return { controller, store: controller.store, db, log, deps, outbox: outbox.controls, ready };
}

export function kinds(entries: SyncLogEntry[], resource?: ResourceName): SyncLogEntry['kind'][] {
  return entries.filter((e) => !resource || e.resource === resource).map((e) => e.kind);
}
