/**
 * Service worker registration and the update prompt's state. A new version waits until
 * the user taps "reload": only then is the worker told to skip waiting, and the page
 * reloads once when the new worker takes control, so there is never a surprise reload
 * in the middle of someone's work and never a reload loop.
 */
import { Workbox } from 'workbox-window';
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';

/** How often an open kiosk asks for a new version besides on start and when shown again. */
const UPDATE_CHECK_MS = 60 * 60_000;

export const updateStore = createStore<{ updateWaiting: boolean; accepted: boolean }>(() => ({
  updateWaiting: false,
  accepted: false,
}));

let workbox: Workbox | null = null;

/** Registers /sw.js (production builds only: the dev server has no worker). */
export function registerServiceWorker(): void {
  if (import.meta.env.DEV || !('serviceWorker' in navigator) || workbox) return;
  workbox = new Workbox('/sw.js', { scope: '/' });
  // Fires for a worker that installed while this page was open and for one already waiting at start.
  workbox.addEventListener('waiting', () => updateStore.setState({ updateWaiting: true }));
  workbox.addEventListener('controlling', () => {
    // The first install also takes control (clients.claim); only an accepted update reloads.
    if (updateStore.getState().accepted) window.location.reload();
  });
  void workbox.register();
  setInterval(() => void workbox?.update(), UPDATE_CHECK_MS);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void workbox?.update();
  });
}

/** The user tapped "reload": activate the waiting worker; the page reloads when it controls. */
export async function acceptUpdate(): Promise<void> {
  if (!workbox || updateStore.getState().accepted) return;
  updateStore.setState({ accepted: true });
  const registration = await navigator.serviceWorker.getRegistration();
  // Another tab may have accepted already: the new worker controls us, so just reload.
  if (registration?.waiting) workbox.messageSkipWaiting();
  else window.location.reload();
}

export function useUpdateWaiting(): boolean {
  return useStore(updateStore, (s) => s.updateWaiting && !s.accepted);
}
