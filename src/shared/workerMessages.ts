/**
 * Messages between pages and the service worker. In src/shared because both runtimes
 * import them and the worker may import nothing from the page's.
 */

/** Worker → page: the API answers again; run the reconnect check. */
export const NETWORK_BACK = 'network-back';
/** Page → worker: the page lost the server; probe until it answers, then say NETWORK_BACK. */
export const NETWORK_LOST = 'network-lost';
/** Page → worker: the user accepted the update (the string workbox-window's messageSkipWaiting sends). */
export const SKIP_WAITING = 'SKIP_WAITING';
/** Background Sync tag the page registers when it goes offline; its `sync` event means "back". */
export const NETWORK_BACK_SYNC_TAG = 'red-coral-network-back';

export type PageToWorkerMessage = { type: typeof NETWORK_LOST } | { type: typeof SKIP_WAITING };
export type WorkerToPageMessage = { type: typeof NETWORK_BACK; reason: string };

/** Narrows an untrusted message's data to one the worker understands. */
export function isPageMessage(data: unknown): data is PageToWorkerMessage {
  const type = (data as { type?: unknown } | null)?.type;
  return type === NETWORK_LOST || type === SKIP_WAITING;
}

/** Narrows an untrusted message's data to the worker's network-back notice. */
export function isNetworkBackMessage(data: unknown): data is WorkerToPageMessage {
  return (data as { type?: unknown } | null)?.type === NETWORK_BACK;
}
