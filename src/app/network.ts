/**
 * The page's half of the network-back protocol (src/shared/workerMessages.ts): when the engine
 * loses the server, ask the service worker to probe until the API answers again, and
 * register a Background Sync so the browser wakes the worker when connectivity returns.
 * The worker's NETWORK_BACK message then reaches the engine through useSyncConnection.
 */
import { NETWORK_BACK_SYNC_TAG, NETWORK_LOST, type PageToWorkerMessage } from '../shared/workerMessages';
import { engine } from './engine';

/** Background Sync's registration API; not in TypeScript's DOM lib. */
type WithBackgroundSync = ServiceWorkerRegistration & {
  sync?: { register(tag: string): Promise<void> };
};

async function tellWorkerNetworkLost(): Promise<void> {
  if (!('serviceWorker' in navigator)) return;
  const registration = (await navigator.serviceWorker.getRegistration()) as WithBackgroundSync | undefined;
  const worker = navigator.serviceWorker.controller ?? registration?.active;
  const message: PageToWorkerMessage = { type: NETWORK_LOST };
  worker?.postMessage(message);
  // Optional and permission-gated (it may be refused in a plain tab); the probe covers that case.
  await registration?.sync?.register(NETWORK_BACK_SYNC_TAG).catch(() => undefined);
}

/** Starts watching the engine's connection; returns the unsubscribe. */
export function watchNetworkLoss(): () => void {
  let previous = engine.connection.getState().state;
  if (previous === 'offline') void tellWorkerNetworkLost();
  return engine.connection.subscribe(({ state }) => {
    if (state === 'offline' && previous !== 'offline') void tellWorkerNetworkLost();
    previous = state;
  });
}
