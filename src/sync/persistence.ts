/**
 * Whether the browser promised to keep this device's data (`navigator.storage.persist()`).
 * Without that promise a browser may clear IndexedDB to free space, and Safari clears a
 * site's script-writable storage after 7 days without a visit in a tab (ITP). Nothing
 * depends on the answer: the engine refills from the server whenever its data is gone.
 * It is shown on Diagnostics and logged, so support can tell why a device reloaded.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';

export type Persistence =
  /** Asked, no answer yet (Firefox asks the person, and may never be answered). */
  | { state: 'asking' }
  | { state: 'persisted' }
  | { state: 'refused' }
  | { state: 'failed'; message: string }
  /** This browser has no `navigator.storage.persist` (WebKitGTK, old Safari, an insecure origin). */
  | { state: 'unavailable' };

/** The part of StorageManager the request needs. */
export type PersistenceApi = Pick<StorageManager, 'persist' | 'persisted'>;

export function createPersistenceStore(): StoreApi<Persistence> {
  return createStore<Persistence>(() => ({ state: 'asking' }));
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Asks once; a device that already has the promise is not asked again (no prompt).
 * Resolves with the answer, which is also set on `store`.
 */
export async function requestPersistence(
  api: PersistenceApi | null | undefined,
  store: StoreApi<Persistence>,
): Promise<Persistence> {
  const answer = await ask(api);
  store.setState(answer, true);
  return answer;
}

async function ask(api: PersistenceApi | null | undefined): Promise<Persistence> {
  if (typeof api?.persist !== 'function') return { state: 'unavailable' };
  try {
    if (typeof api.persisted === 'function' && (await api.persisted())) return { state: 'persisted' };
    return (await api.persist()) ? { state: 'persisted' } : { state: 'refused' };
  } catch (error) {
    return { state: 'failed', message: describe(error) };
  }
}

/** The sync log's line for an answer, or null while there is none. */
export function persistenceLogMessage(answer: Persistence): string | null {
  switch (answer.state) {
    case 'asking':
      return null;
    case 'persisted':
      return 'persistent storage granted: the browser keeps this device’s data';
    case 'refused':
      return 'persistent storage refused: the browser may clear this device’s data; it is then reloaded from the server';
    case 'failed':
      return `asking for persistent storage failed (${answer.message}): the browser may clear this device’s data; it is then reloaded from the server`;
    case 'unavailable':
      return 'no persistent storage in this browser: it may clear this device’s data; it is then reloaded from the server';
  }
}
