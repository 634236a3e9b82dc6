/**
 * Whether this page runs on a secure origin and, if not, where the server's secure one is
 * (`GET /api/https`). A browser gives a service worker, installation and Web Locks only to
 * a secure context, and IndexedDB belongs to one origin: moving from `http://` to
 * `https://` starts over with an empty database, so nothing may wait in the outbox then.
 */
import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import { HTTPS_INFO_PATH, type HttpsInfo } from '../shared/protocol';
import { countStoredOutbox } from '../sync';

/** True on `http://<lan address>`; localhost and HTTPS are secure contexts. */
export const insecureOrigin = !window.isSecureContext;

const httpsInfoStore = createStore<{ info: HttpsInfo | null }>(() => ({ info: null }));
let asking: Promise<void> | null = null;

/** Asks the server once at a time, until it has answered once. */
function askServer(): void {
  if (asking || httpsInfoStore.getState().info) return;
  asking = fetch(HTTPS_INFO_PATH, { cache: 'no-store' })
    .then(async (response) => {
      if (response.ok) httpsInfoStore.setState({ info: (await response.json()) as HttpsInfo });
    })
    .catch(() => undefined)
    .finally(() => {
      asking = null;
    });
}

/** The server's HTTPS port and addresses; null until it answered (asked again when the network returns). */
export function useHttpsInfo(): HttpsInfo | null {
  useEffect(() => {
    askServer();
    window.addEventListener('online', askServer);
    return () => window.removeEventListener('online', askServer);
  }, []);
  return useStore(httpsInfoStore, (s) => s.info);
}

/** This page at the secure origin: same host name and path, the HTTPS port; null when HTTPS is off. */
export function secureAddress(info: HttpsInfo, here: string = window.location.href): string | null {
  if (info.port === null) return null;
  const url = new URL(here);
  url.protocol = 'https:';
  url.port = String(info.port);
  return url.href;
}

/** Outbox entries stored on this device while no engine runs (sign-in screen); null while counting. */
export function useStoredOutboxCount(): number | null {
  const [count, setCount] = useState<number | null>(null);
  useEffect(() => {
    let live = true;
    void countStoredOutbox().then((n) => {
      if (live) setCount(n);
    });
    return () => {
      live = false;
    };
  }, []);
  return count;
}
