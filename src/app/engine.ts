/**
 * The app's one sync engine. Its requests carry the session token, and any 401 sends the
 * user back to sign-in (the same fetch serves the engine's reads, writes and checks).
 */
import { createSyncEngine } from '../sync';
import { sessionRejected, sessionStore } from './session';

function currentToken(): string | null {
  return sessionStore.getState().session?.token ?? null;
}

/** window.fetch that notices a rejected session; the response itself is passed on untouched. */
const sessionAwareFetch: typeof fetch = async (input, init) => {
  const token = currentToken();
  const response = await fetch(input, init);
  if (response.status === 401) sessionRejected(token);
  return response;
};

export const engine = createSyncEngine({ fetch: sessionAwareFetch, getToken: currentToken });

let lifecycle: Promise<void> = Promise.resolve();

/**
 * Starts and stops run one after another: a stop still closing IndexedDB must not close
 * the database a quick re-start (sign-out then sign-in, React's dev double effects) opened.
 */
function queued(step: () => Promise<void>): Promise<void> {
  lifecycle = lifecycle.then(step).catch(() => undefined);
  return lifecycle;
}

export const startEngine = (): Promise<void> => queued(() => engine.start());
export const stopEngine = (): Promise<void> => queued(() => engine.stop());
