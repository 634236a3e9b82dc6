/**
 * The few requests the app makes itself (sign-in, sign-out, the price preview). They fail
 * as the engine's requests do, with a SyncError (src/sync/errors.ts), so every screen reads
 * any error with one `errorInfo`. Resource reads and writes go through the sync engine.
 */
import { type LoginResponse, ROUTES } from '../shared/protocol';
import { PRICE_PREVIEW_PATH, PRICE_PREVIEW_QUERY, type PricePreview } from '../shared/venue';
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

/** `GET /api/price-preview`: the server's answer to "which rules apply to this product then". */
export async function fetchPricePreview(
  token: string | null,
  query: { productId: string; zoneId: string | null; at: number },
  signal?: AbortSignal,
): Promise<PricePreview> {
  const params = new URLSearchParams({
    [PRICE_PREVIEW_QUERY.productId]: query.productId,
    [PRICE_PREVIEW_QUERY.at]: new Date(query.at).toISOString(),
  });
  if (query.zoneId) params.set(PRICE_PREVIEW_QUERY.zoneId, query.zoneId);
  let response: Response;
  try {
    response = await fetch(`${PRICE_PREVIEW_PATH}?${params}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      credentials: 'same-origin',
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw unreachable(error);
  }
  if (!response.ok) throw errorFromResponse(response.status, await response.text());
  return (await response.json()) as PricePreview;
}
