/**
 * All ten resource stores, built by one generic path from the resource list.
 */
import { RESOURCE_NAMES, type ResourceName } from '../shared/resources';
import { createResourceStore, type ResourceController, type ResourceStoreDeps } from './resourceStore';
import type { ResourceStore } from './types';

export type ControllerMap = { [R in ResourceName]: ResourceController<R> };

export interface Registry {
  stores: { [R in ResourceName]: ResourceStore<R> };
  get<R extends ResourceName>(resource: R): ResourceController<R>;
  /** Types that hold data (hydrated or loaded), in the resource list's order. */
  getLoadedControllers(): ResourceController[];
  /** Reloads every loaded store from a snapshot; resolves when all have settled. */
  refreshAllLoadedStores(why?: string): Promise<void>;
  dispose(): void;
}

export function createRegistry(deps: ResourceStoreDeps): Registry {
  const controllers = Object.fromEntries(
    RESOURCE_NAMES.map((r) => [r, createResourceStore(r, deps)]),
  ) as unknown as ControllerMap;
  const stores = Object.fromEntries(RESOURCE_NAMES.map((r) => [r, controllers[r].store])) as unknown as {
    [R in ResourceName]: ResourceStore<R>;
  };
  const all = (): ResourceController[] => RESOURCE_NAMES.map((r) => controllers[r]);
  const loaded = () => all().filter((c) => c.store.getState().isLoaded);

  return {
    stores,
    get: (resource) => controllers[resource],
    getLoadedControllers: loaded,
    async refreshAllLoadedStores(why = 'reload everything') {
      await Promise.allSettled(loaded().map((c) => c.reload('full_refresh', why)));
    },
    dispose() {
      for (const c of all()) c.dispose();
    },
  };
}
