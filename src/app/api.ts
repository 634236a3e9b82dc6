/**
 * The few requests the app makes itself (sign-in, sign-out, the price preview) and one way to read any
 * error, whether the server answered with the contract's error body, the engine threw,
 * or the network failed. Resource reads and writes go through the sync engine.
 */
import type { ApiErrorBody, LoginResponse } from '../shared/protocol';
import { PRICE_PREVIEW_PATH, PRICE_PREVIEW_QUERY, type PricePreview } from '../shared/venue';
import { SyncError } from '../sync';
import type { SyncErrorInfo } from '../sync/types';

/** An error with the contract's fields, thrown by the app's own requests. */
export class ApiError extends Error implements SyncErrorInfo {
  constructor(
    readonly code: SyncErrorInfo['code'],
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  const error = (value as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.code === 'string' && typeof error.message === 'string';
}

/** Reads a failed response's contract error; falls back to the HTTP status. */
export async function readError(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => null);
  if (isErrorBody(body)) {
    return new ApiError(body.error.code, response.status, body.error.message, body.error.details);
  }
  return new ApiError('internal_error', response.status, `The server answered ${response.status}.`);
}

/** Normalises anything thrown by a request, the engine included, into SyncErrorInfo. */
export function toErrorInfo(error: unknown): SyncErrorInfo {
  if (error instanceof SyncError) return error.info;
  const e = error as Partial<SyncErrorInfo> | null;
  if (e && typeof e.code === 'string' && typeof e.status === 'number') {
    return {
      code: e.code,
      status: e.status,
      message: typeof e.message === 'string' ? e.message : e.code,
      details: e.details,
    };
  }
  if (error instanceof TypeError) {
    return { code: 'network_error', status: 0, message: 'The server could not be reached.' };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal_error', status: 0, message };
}

/** `POST /api/auth/login`: the session, the employee and their permissions. */
export async function login(pin: string): Promise<LoginResponse> {
  let response: Response;
  try {
    response = await fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pin }),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError('network_error', 0, 'The server could not be reached.');
  }
  if (!response.ok) throw await readError(response);
  return (await response.json()) as LoginResponse;
}

/** `POST /api/auth/logout`, best effort: signing out locally must work offline too. */
export async function logout(token: string): Promise<void> {
  await fetch('/api/auth/logout', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    credentials: 'same-origin',
  }).catch(() => undefined);
}

/** `GET /api/price-preview`: the server's price of a product at an instant, and the rules that made it. */
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
    throw new ApiError('network_error', 0, 'The server could not be reached.');
  }
  if (!response.ok) throw await readError(response);
  return (await response.json()) as PricePreview;
}
