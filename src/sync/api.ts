/**
 * The engine's HTTP client for the contract's API. Every answer comes back with the size
 * of its body so the sync log can say what each decision downloaded; every failure comes
 * back as a SyncError (errors.ts) carrying the server's code and message (or `network_error`).
 */

import { newId } from '../shared/ids';
import {
  type ChangesResponse,
  type DeleteResponse,
  HEADERS,
  type Health,
  QUERY,
  ROUTES,
  type Snapshot,
  type SyncStatus,
} from '../shared/protocol';
import { type Item, RESOURCES, type ResourceName } from '../shared/resources';
import { errorFromResponse, SyncError, unreachable } from './errors';
import type { WriteOptions } from './types';

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
      throw unreachable(error);
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
