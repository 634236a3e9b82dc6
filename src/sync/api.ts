/**
 * The engine's HTTP client for the contract's API. Every answer comes back with the size
 * of its body so the sync log can say what each decision downloaded; every failure comes
 * back as a SyncError carrying the server's code and message (or `network_error`).
 */

import { newId } from '../shared/ids';
import {
  type ApiErrorBody,
  type ChangesResponse,
  type DeleteResponse,
  ERROR_STATUS,
  type ErrorCode,
  HEADERS,
  type Health,
  QUERY,
  ROUTES,
  type Snapshot,
  type SyncStatus,
} from '../shared/protocol';
import { type Item, RESOURCES, type ResourceName } from '../shared/resources';
import type { SyncErrorInfo, WriteOptions } from './types';

/** An error from the server or the network, with the contract's code. */
export class SyncError extends Error {
  readonly info: SyncErrorInfo;

  constructor(info: SyncErrorInfo) {
    super(info.message);
    this.name = 'SyncError';
    this.info = info;
  }

  get code(): SyncErrorInfo['code'] {
    return this.info.code;
  }

  get status(): number {
    return this.info.status;
  }
}

/** The SyncErrorInfo of anything thrown (non-SyncErrors become `internal_error`). */
export function errorInfo(error: unknown): SyncErrorInfo {
  if (error instanceof SyncError) return error.info;
  return {
    code: 'internal_error',
    status: 0,
    message: error instanceof Error ? error.message : String(error),
  };
}

export interface ApiOptions {
  /** Origin of the server; '' means the page's own origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Bearer token for clients without the session cookie (Node tests, tools). */
  getToken?: () => string | null;
}

/** A decoded answer and the number of bytes its body took on the wire. */
export interface Counted<T> {
  body: T;
  bytes: number;
}

export interface SyncApi {
  health(): Promise<Counted<Health>>;
  status(): Promise<Counted<SyncStatus>>;
  snapshot<R extends ResourceName>(resource: R): Promise<Counted<Snapshot<R>>>;
  changes<R extends ResourceName>(
    resource: R,
    since: number,
    epoch?: string,
  ): Promise<Counted<ChangesResponse<R>>>;
  create<R extends ResourceName>(
    resource: R,
    body: Record<string, unknown>,
    options?: WriteOptions,
  ): Promise<Counted<Item<R>>>;
  update<R extends ResourceName>(
    resource: R,
    id: string,
    patch: Record<string, unknown>,
    options?: WriteOptions,
  ): Promise<Counted<Item<R>>>;
  remove(resource: ResourceName, id: string, options?: WriteOptions): Promise<Counted<DeleteResponse>>;
  /** Absolute URL of the event stream. */
  eventsUrl(): string;
}

const encoder = new TextEncoder();

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}

/** Turns a non-2xx answer into the SyncError the caller sees. */
function errorFromResponse(status: number, text: string): SyncError {
  let body: Partial<ApiErrorBody> | undefined;
  try {
    body = JSON.parse(text) as Partial<ApiErrorBody>;
  } catch {
    body = undefined;
  }
  const e = body?.error;
  const code: ErrorCode = isErrorCode(e?.code) ? e.code : status >= 502 ? 'unavailable' : 'internal_error';
  const message = typeof e?.message === 'string' ? e.message : `The server answered ${status}.`;
  return new SyncError({
    code,
    status,
    message,
    ...(e?.details === undefined ? {} : { details: e.details }),
  });
}

export function createApi(options: ApiOptions = {}): SyncApi {
  const baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
  const doFetch =
    options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));

  async function request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Counted<T>> {
    const h: Record<string, string> = { accept: 'application/json', ...headers };
    if (body !== undefined) h['content-type'] = 'application/json; charset=utf-8';
    const token = options.getToken?.();
    if (token) h.authorization = `Bearer ${token}`;
    let response: Response;
    let text: string;
    try {
      response = await doFetch(`${baseUrl}${path}`, {
        method,
        headers: h,
        body: body === undefined ? undefined : JSON.stringify(body),
        // The browser signs in with the same-origin HttpOnly cookie; never cache sync answers.
        credentials: 'same-origin',
        cache: 'no-store',
      });
      text = await response.text();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new SyncError({
        code: 'network_error',
        status: 0,
        message: `The server could not be reached (${reason}).`,
      });
    }
    if (!response.ok) throw errorFromResponse(response.status, text);
    try {
      return { body: JSON.parse(text) as T, bytes: encoder.encode(text).byteLength };
    } catch {
      throw new SyncError({
        code: 'internal_error',
        status: response.status,
        message: 'The server sent an answer that is not JSON.',
      });
    }
  }

  function writeHeaders(opts: WriteOptions | undefined): Record<string, string> {
    const h: Record<string, string> = {
      [HEADERS.idempotencyKey]: opts?.idempotencyKey ?? newId(),
    };
    if (opts?.ifMatch !== undefined && opts.ifMatch !== null) h[HEADERS.ifMatch] = String(opts.ifMatch);
    return h;
  }

  const itemPath = (resource: ResourceName, id: string) =>
    `${RESOURCES[resource].collection}/${encodeURIComponent(id)}`;

  return {
    health: () => request<Health>('GET', ROUTES.health),
    status: () => request<SyncStatus>('GET', ROUTES.syncStatus),
    snapshot: <R extends ResourceName>(resource: R) =>
      request<Snapshot<R>>('GET', RESOURCES[resource].collection),
    changes: <R extends ResourceName>(resource: R, since: number, epoch?: string) => {
      const q = new URLSearchParams({ [QUERY.resource]: resource, [QUERY.since]: String(since) });
      if (epoch) q.set(QUERY.epoch, epoch);
      return request<ChangesResponse<R>>('GET', `${ROUTES.syncChanges}?${q}`);
    },
    create: <R extends ResourceName>(resource: R, body: Record<string, unknown>, opts?: WriteOptions) =>
      request<Item<R>>('POST', RESOURCES[resource].collection, body, writeHeaders(opts)),
    update: <R extends ResourceName>(
      resource: R,
      id: string,
      patch: Record<string, unknown>,
      opts?: WriteOptions,
    ) => request<Item<R>>('PATCH', itemPath(resource, id), patch, writeHeaders(opts)),
    remove: (resource: ResourceName, id: string, opts?: WriteOptions) =>
      request<DeleteResponse>('DELETE', itemPath(resource, id), undefined, writeHeaders(opts)),
    eventsUrl: () => `${baseUrl}${ROUTES.syncEvents}`,
  };
}
