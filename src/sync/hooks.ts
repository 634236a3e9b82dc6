/**
 * React bindings: read a store through a selector, and keep the reconnect check wired to
 * the browser's signals while the app is mounted.
 */
import { useEffect } from 'react';
import { useStore } from 'zustand';
import type { ResourceName } from '../shared/resources';
import { watchReconnectSignals } from './reconnect';
import type { ConnectionState, ResourceActions, ResourceState, ResourceStore, SyncEngine } from './types';

/** Selects from one resource store; the component re-renders only when the selection changes. */
export function useResource<R extends ResourceName, T>(
  store: ResourceStore<R>,
  selector: (state: ResourceState<R> & ResourceActions<R>) => T,
): T {
  return useStore(store, selector);
}

/**
 * Runs the engine's reconnect check on `online`, on the tab becoming visible and on the
 * service worker's `network-back` message; returns the connection state for the UI.
 */
export function useSyncConnection(engine: SyncEngine): {
  state: ConnectionState;
  epoch: string | null;
  lastSyncedAt: number | null;
  isLeader: boolean;
} {
  useEffect(() => watchReconnectSignals((reason) => void engine.check(reason)), [engine]);
  return useStore(engine.connection);
}
