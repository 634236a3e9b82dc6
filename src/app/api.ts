/**
 * The few requests the app makes itself (sign-in, sign-out). They fail as the engine's
 * requests do, with a SyncError (src/sync/errors.ts), so every screen reads any error
 * with one `errorInfo`. Resource reads and writes go through the sync engine.
 */
import { type LoginResponse, ROUTES } from '../shared/protocol';
import { errorFromResponse, unreachable } from '../sync';

/** `POST /api/auth/login`: the session, the employee and their permissions. */
export async function login(pin: string): Promise<LoginResponse> {
  let response: Response;
  try {
    response = await fetch(ROUTES.login, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pin }),
      credentials: 'same-origin',
    });
  } catch (error) {
    throw unreachable(error);
  }
  if (!response.ok) throw errorFromResponse(response.status, await response.text());
  return (await response.json()) as LoginResponse;
}

/** `POST /api/auth/logout`, best effort: signing out locally must work offline too. */
export async function logout(token: string): Promise<void> {
  await fetch(ROUTES.logout, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    credentials: 'same-origin',
  }).catch(() => undefined);
}
