/**
 * The service worker: serves the precached app shell (so the app boots with no network,
 * even from a cold start), leaves every `/api/` request to the network, and tells pages
 * when the API answers again so they run the reconnect check. Protocol:
 * src/shared/workerMessages.ts.
 */
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  type PrecacheEntry,
  precacheAndRoute,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { API_PREFIX, ROUTES, SETUP_PATH } from '../shared/protocol';
import {
  isPageMessage,
  NETWORK_BACK,
  NETWORK_BACK_SYNC_TAG,
  NETWORK_LOST,
  SKIP_WAITING,
  type WorkerToPageMessage,
} from '../shared/workerMessages';

declare let self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (PrecacheEntry | string)[] };

/** Background Sync's event; not in TypeScript's WebWorker lib because not every browser has it. */
interface BackgroundSyncEvent extends ExtendableEvent {
  readonly tag: string;
}

/** How often to ask `/api/health` while the network is lost. */
const PROBE_INTERVAL_MS = 2_000;
/** Browsers stop a worker whose waitUntil runs longer; pages ask again if still offline. */
const PROBE_BUDGET_MS = 4 * 60_000;

// Old precaches from earlier builds would otherwise fill the disk of a kiosk for years.
cleanupOutdatedCaches();
precacheAndRoute(self.__WB_MANIFEST);

// Any in-app URL opened offline (a bookmark, a restart on #/floor) gets the shell; /api/
// navigations (an opened JSON link) and the server's /setup page go to the network.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('index.html'), {
    denylist: [new RegExp(`^${API_PREFIX}`), new RegExp(`^${SETUP_PATH}(/|$)`)],
  }),
);

let networkLost = false;
let probing: Promise<void> | null = null;
let wakeProbe: (() => void) | null = null;

/** One health request; any answer other than 2xx, or none, counts as "still lost". */
async function apiAnswers(): Promise<boolean> {
  try {
    // Needs no session and is never cached.
    const response = await fetch(ROUTES.health, { cache: 'no-store' });
    return response.ok;
  } catch {
    return false;
  }
}

/** Tells every page (controlled or not yet) that the API answers again. */
async function announceNetworkBack(reason: string): Promise<void> {
  const message: WorkerToPageMessage = { type: NETWORK_BACK, reason };
  const pages = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const page of pages) page.postMessage(message);
}

/** Probes until the API answers, then announces; one loop at a time however often asked. */
function probeUntilBack(reason: string): Promise<void> {
  networkLost = true;
  if (probing) {
    wakeProbe?.();
    return probing;
  }
  probing = (async () => {
    const giveUpAt = Date.now() + PROBE_BUDGET_MS;
    while (Date.now() < giveUpAt) {
      if (await apiAnswers()) {
        networkLost = false;
        await announceNetworkBack(reason);
        return;
      }
      await new Promise<void>((resolve) => {
        wakeProbe = resolve;
        setTimeout(resolve, PROBE_INTERVAL_MS);
      });
    }
  })().finally(() => {
    probing = null;
    wakeProbe = null;
  });
  return probing;
}

self.addEventListener('fetch', (event) => {
  // Never respondWith for /api/ (the event stream included): requests go out untouched.
  // While the network is lost, a page's API request is a hint to probe again right away.
  const url = new URL(event.request.url);
  if (networkLost && url.origin === self.location.origin && url.pathname.startsWith(API_PREFIX)) {
    event.waitUntil(probeUntilBack('api-request'));
  }
});

self.addEventListener('message', (event) => {
  if (!isPageMessage(event.data)) return;
  // Only the user's "reload" click sends this, so a new version never interrupts work.
  if (event.data.type === SKIP_WAITING) event.waitUntil(self.skipWaiting());
  if (event.data.type === NETWORK_LOST) event.waitUntil(probeUntilBack('probe'));
});

// Background Sync fires this when the device regains connectivity (Chromium only).
self.addEventListener('sync', (event) => {
  const sync = event as BackgroundSyncEvent;
  if (sync.tag === NETWORK_BACK_SYNC_TAG) sync.waitUntil(probeUntilBack('background-sync'));
});

// Connectivity events in the worker scope, where the browser provides them.
self.addEventListener('offline', () => {
  networkLost = true;
});
self.addEventListener('online', () => {
  if (networkLost) void probeUntilBack('online');
});

// Take open pages over at once: the first visit gets offline support without a reload.
self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});
