/**
 * React bindings to the engine's Zustand stores. Selectors return store-owned values
 * (arrays, records) so components re-render only when that slice changes. Items come
 * through the hold-back (holdBack.ts): no screen shows an item before what it references.
 */
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { useStore } from 'zustand';
import { type Item, RESOURCE_NAMES, type ResourceName } from '../shared/resources';
import { useResource } from '../sync';
import type { Persistence } from '../sync/persistence';
import type { ConnectionState, ResourceState } from '../sync/types';
import { engine } from './engine';
import { createHoldBack } from './holdBack';

const holdBack = createHoldBack((resource) => {
  const { items, byId } = engine.stores[resource].getState();
  return { items, byId };
});

/** One slice of a resource type's store. */
export function useResourceState<R extends ResourceName, T>(
  resource: R,
  selector: (state: ResourceState<R>) => T,
): T {
  return useResource(engine.stores[resource], selector);
}

/**
 * The type's items the screens may show, in the store's order: those whose references all
 * resolve to shown items. Any store's change can release or hold one, so it listens to all.
 */
export function useItems<R extends ResourceName>(resource: R): Item<R>[] {
  return useSyncExternalStore(subscribeToAllStores, () => holdBack.shown(resource).items);
}

/** The shown items by id (see useItems). */
export function useById<R extends ResourceName>(resource: R): Record<string, Item<R>> {
  return useSyncExternalStore(subscribeToAllStores, () => holdBack.shown(resource).byId);
}

/** Answers of useByIdOf by list of types, kept while every record is the same. */
const byIdOfCache = new Map<
  string,
  { records: unknown[]; value: Partial<Record<ResourceName, Record<string, Item>>> }
>();

function byIdOf(resources: readonly ResourceName[]): Partial<Record<ResourceName, Record<string, Item>>> {
  const key = resources.join(',');
  const records = resources.map((r) => holdBack.shown(r).byId);
  const cached = byIdOfCache.get(key);
  if (cached?.records.every((r, i) => r === records[i])) return cached.value;
  const value = Object.fromEntries(resources.map((r, i) => [r, records[i]]));
  byIdOfCache.set(key, { records, value });
  return value;
}

/** The shown items of several types by id, for a list whose types vary (Manage's rows name what they point at). */
export function useByIdOf(
  resources: readonly ResourceName[],
): Partial<Record<ResourceName, Record<string, Item>>> {
  return useSyncExternalStore(subscribeToAllStores, () => byIdOf(resources));
}

/** Whether the device holds this item but keeps it off the screens until its references arrive. */
export function useIsHeldBack(resource: ResourceName, id: string): boolean {
  return useSyncExternalStore(subscribeToAllStores, () => holdBack.shown(resource).held.has(id));
}

/** How many items of the type wait for their references (the menu reads "Loading…" meanwhile). */
export function useHeldBackCount(resource: ResourceName): number {
  return useSyncExternalStore(subscribeToAllStores, () => holdBack.shown(resource).held.size);
}

/** Ids a remote change touched in the last moments: those rows flash. */
export function useRecentlyChanged(resource: ResourceName): Record<string, number> {
  return useResourceState(resource, (s) => s.recentlyChanged);
}

/** Ids with a change not yet settled by the server, and where that change stands. */
export function usePending(resource: ResourceName): ResourceState['pending'] {
  return useResourceState(resource, (s) => s.pending);
}

/** True while the type has never been loaded (not from IndexedDB, not from the server). */
export function useIsLoading(resource: ResourceName): boolean {
  return useResourceState(resource, (s) => !s.isLoaded);
}

/** Items sorted by sortOrder when they have one, then by name. */
export function useSortedItems<R extends ResourceName>(resource: R): Item<R>[] {
  const items = useItems(resource);
  return useMemo(() => [...items].sort(byDisplayOrder), [items]);
}

/** Items A-Z by name: for finding one in a long list (Manage, pickers). */
export function useItemsByName<R extends ResourceName>(resource: R): Item<R>[] {
  const items = useItems(resource);
  return useMemo(() => [...items].sort((a, b) => a.name.localeCompare(b.name)), [items]);
}

/** Display order of any item: `sortOrder` where the type has one, then name. */
export function byDisplayOrder(a: { name: string }, b: { name: string }): number {
  const order = (item: object) =>
    'sortOrder' in item && typeof item.sortOrder === 'number' ? item.sortOrder : 0;
  return order(a) - order(b) || a.name.localeCompare(b.name);
}

export function useConnection(): {
  state: ConnectionState;
  epoch: string | null;
  lastSyncedAt: number | null;
  isLeader: boolean;
} {
  return useStore(engine.connection);
}

/** Calls `onChange` whenever any of the ten stores changes. */
function subscribeToAllStores(onChange: () => void): () => void {
  const unsubscribes = RESOURCE_NAMES.map((r) => engine.stores[r].subscribe(onChange));
  return () => {
    for (const unsubscribe of unsubscribes) unsubscribe();
  };
}

/** Whether this device's storage quota refused the newest data of some type (it retries on its own). */
export function useStorageFull(): boolean {
  return useSyncExternalStore(subscribeToAllStores, () =>
    RESOURCE_NAMES.some((r) => engine.stores[r].getState().error?.code === 'storage_full'),
  );
}

/** Whether the browser promised to keep this device's data (`navigator.storage.persist()`). */
export function usePersistence(): Persistence {
  return useStore(engine.persistence);
}

/** The current time, refreshed every `intervalMs` (prices and "data from" labels move with it). */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
