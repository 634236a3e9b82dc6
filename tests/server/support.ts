/**
 * Small clients for the server tests: a JSON fetch wrapper that keeps status, headers
 * and body, and a raw SSE reader that exposes exactly what went over the wire.
 */
import type { ApiErrorBody, SyncStatus } from '../../src/shared/protocol';
import type { ResourceName } from '../../src/shared/resources';
import { WAIT_MS } from '../helpers/timeouts';

export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Raw body text, sent as-is (for malformed JSON). */
  raw?: string;
  headers?: Record<string, string>;
  /** Another fetch, e.g. tests/helpers/tls.ts `fetchTrusting(ca)` for the HTTPS port. */
  fetch?: typeof fetch;
}

/** One HTTP call; JSON bodies are parsed, anything else is left in `text`. */
export async function call<T = unknown>(
  base: string,
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await (opts.fetch ?? fetch)(`${base}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON; keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

/** A client bound to one server and token (and, for HTTPS, a fetch that trusts its CA). */
export function client(base: string, token?: string, fetchWith?: typeof fetch) {
  const c = <T = unknown>(method: string, path: string, opts: CallOptions = {}) =>
    call<T>(base, method, path, { token, fetch: fetchWith, ...opts });
  return {
    get: <T = unknown>(path: string, opts?: CallOptions) => c<T>('GET', path, opts),
    post: <T = unknown>(path: string, body?: unknown, opts?: CallOptions) =>
      c<T>('POST', path, { body, ...opts }),
    patch: <T = unknown>(path: string, body?: unknown, opts?: CallOptions) =>
      c<T>('PATCH', path, { body, ...opts }),
    del: <T = unknown>(path: string, opts?: CallOptions) => c<T>('DELETE', path, opts),
    call: c,
  };
}

export type Client = ReturnType<typeof client>;

export async function status(base: string): Promise<SyncStatus> {
  return (await call<SyncStatus>(base, 'GET', '/api/sync/status')).body;
}

/** Asserts the contract's error shape and returns the error for further checks. */
export function errorOf(answer: Answer): ApiErrorBody['error'] {
  const body = answer.body as ApiErrorBody;
  if (!body || typeof body !== 'object' || !('error' in body))
    throw new Error(`expected an error body, got ${answer.status} ${answer.text}`);
  return body.error;
}

export interface SseEvent {
  event: string;
  id?: string;
  data: unknown;
  retry?: number;
}

/** A raw SSE stream: every parsed event in arrival order, and helpers to wait on them. */
export interface Stream {
  status: number;
  headers: Headers;
  events: SseEvent[];
  /** Waits until `count` events satisfy `match` (default: any), returns them. */
  waitFor(match: (e: SseEvent) => boolean, count?: number, timeoutMs?: number): Promise<SseEvent[]>;
  /** Resolves when the server ends the stream. */
  closed: Promise<void>;
  close(): void;
}

export async function openStream(
  base: string,
  token: string | undefined,
  opts: { lastEventId?: string; query?: string; fetch?: typeof fetch } = {},
): Promise<Stream> {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.lastEventId !== undefined) headers['last-event-id'] = opts.lastEventId;
  const res = await (opts.fetch ?? fetch)(`${base}/api/sync/events${opts.query ?? ''}`, {
    headers,
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of waiters) w();
  };

  let buffer = '';
  const parseBlock = (block: string) => {
    const e: Partial<SseEvent> & { dataLines: string[] } = { dataLines: [] };
    for (const line of block.split('\n')) {
      const i = line.indexOf(':');
      const field = i === -1 ? line : line.slice(0, i);
      const value = i === -1 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'event') e.event = value;
      else if (field === 'id') e.id = value;
      else if (field === 'data') e.dataLines.push(value);
      else if (field === 'retry') e.retry = Number(value);
    }
    if (e.dataLines.length === 0 && e.retry === undefined) return;
    const raw = e.dataLines.join('\n');
    let data: unknown = raw;
    try {
      data = JSON.parse(raw);
    } catch {
      // keep text
    }
    events.push({ event: e.event ?? 'message', id: e.id, data, retry: e.retry });
  };

  const closed = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    try {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          parseBlock(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
        notify();
      }
    } catch {
      // aborted or reset
    }
    notify();
  })();

  return {
    status: res.status,
    headers: res.headers,
    events,
    closed,
    close: () => controller.abort(),
    waitFor(match, count = 1, timeoutMs = WAIT_MS) {
      return new Promise((resolveWait, reject) => {
        const check = () => {
          const found = events.filter(match);
          if (found.length >= count) {
            cleanup();
            resolveWait(found);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `timed out waiting for ${count} event(s); got ${JSON.stringify(events.map((e) => e.event))}`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** Ids of existing items that sample bodies point at. */
export interface Refs {
  categoryId: string;
  zoneId: string;
  roleId: string;
}

/** A valid create body for each type (the minimum: defaults fill the rest). */
export function sampleBody(resource: ResourceName, refs: Refs, n = 1): Record<string, unknown> {
  const bodies: Record<ResourceName, Record<string, unknown>> = {
    product: { name: `Sample dish ${n}`, categoryId: refs.categoryId, priceCents: 1000 + n },
    category: { name: `Sample section ${n}` },
    tag: { name: `Sample tag ${n}`, color: '#123456' },
    attribute: { name: `Sample option ${n}`, options: [{ id: 'a', name: 'A', priceDeltaCents: 50 }] },
    zone: { name: `Sample zone ${n}` },
    dining_table: { name: `S${n}`, zoneId: refs.zoneId, seats: 4, x: 10, y: 20 },
    employee: { name: `Sample person ${n}`, roleId: refs.roleId },
    role: { name: `Sample role ${n}`, permissions: ['tag.write'] },
    price_rule: {
      name: `Sample rule ${n}`,
      kind: 'discount',
      amountType: 'percent',
      amount: 10,
      scope: { zoneIds: [refs.zoneId] },
    },
    print_destination: { name: `Sample printer ${n}`, kind: 'kitchen', address: `10.0.0.${n % 250}:9100` },
  };
  return bodies[resource];
}

/** A valid PATCH for each type, changing one field. */
export function samplePatch(resource: ResourceName): Record<string, unknown> {
  return resource === 'dining_table'
    ? { seats: 6 }
    : resource === 'tag'
      ? { color: '#654321' }
      : { name: 'Renamed' };
}
