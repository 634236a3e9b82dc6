/**
 * A small in-memory server that speaks the contract's JSON (status, changes, snapshots,
 * CRUD with If-Match and Idempotency-Key, SSE events through a fake EventSource), and
 * records every request so tests can assert exact request counts.
 */
import { digestOf } from '../../../src/shared/digest';
import type { ApiErrorBody, ErrorCode, SyncEvent, SyncStatus } from '../../../src/shared/protocol';
import {
  type Item,
  RESOURCE_NAMES,
  type ResourceFields,
  type ResourceName,
  resourceByCollection,
} from '../../../src/shared/resources';
import type { EventSourceLike } from '../../../src/sync/eventStream';

export const FAKE_ORIGIN = 'http://fake.test';

type AnyItem = Item & Record<string, unknown>;

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
}

interface Gate {
  match: (r: RecordedRequest) => boolean;
  opened: Promise<void>;
  open: () => void;
  reached: () => void;
  waiting: Promise<void>;
}

function perResource<T>(make: (r: ResourceName) => T): Record<ResourceName, T> {
  return Object.fromEntries(RESOURCE_NAMES.map((r) => [r, make(r)])) as Record<ResourceName, T>;
}

export class FakeServer {
  epoch: string = crypto.randomUUID();
  items = perResource(() => new Map<string, AnyItem>());
  versions = perResource(() => 0);
  history = perResource((): SyncEvent[] => []);
  /** `changes?since=N` answers 410 for N below this. */
  keepsFrom = perResource(() => 0);
  requests: RecordedRequest[] = [];
  /** When false, writes are not pushed to streams; tests deliver events by hand. */
  autoPush = true;
  down = false;
  /** Sent in each stream's hello when set: the heartbeat interval the server announces. */
  heartbeatMs: number | undefined = undefined;
  readonly streams = new Set<FakeEventSource>();
  private gates: Gate[] = [];
  private failures: { path: string; status: number; code: ErrorCode }[] = [];
  private idempotent = new Map<string, Response>();

  readonly fetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> =>
    this.handle(input, init);
  readonly EventSource: new (
    url: string,
  ) => FakeEventSource;

  constructor() {
    const server = this;
    this.EventSource = class extends FakeEventSource {
      constructor(url: string) {
        super(server, url);
      }
    };
  }

  /** A change made on the server (by another device); returns its event. */
  commit<R extends ResourceName>(
    resource: R,
    action: SyncEvent['action'],
    item: { id: string } & Record<string, unknown>,
  ): SyncEvent<R> {
    const version = ++this.versions[resource];
    const map = this.items[resource];
    let data: AnyItem | null = null;
    if (action === 'deleted') map.delete(item.id);
    else {
      data = { ...(item as AnyItem), version };
      map.set(item.id, data);
    }
    const event = { epoch: this.epoch, resource, action, id: item.id, version, data } as SyncEvent<R>;
    this.history[resource].push(event);
    if (this.autoPush) this.deliver(event);
    return event;
  }

  /** Puts items in place as if seeded: each one a change, as the real server counts them. */
  seed(resource: ResourceName, items: Record<string, unknown>[]): void {
    for (const item of items) this.commit(resource, 'created', item as AnyItem);
  }

  deliver(event: SyncEvent): void {
    for (const s of this.streams) s.dispatch('sync', event, `${event.epoch}/${event.version}`);
  }

  heartbeat(): void {
    for (const s of this.streams)
      s.dispatch('heartbeat', { epoch: this.epoch, versions: { ...this.versions } });
  }

  status(): SyncStatus {
    return {
      epoch: this.epoch,
      versions: { ...this.versions },
      digests: perResource((r) => digestOf(this.items[r].values())),
      counts: perResource((r) => this.items[r].size),
    };
  }

  /** A new process on the same database: new epoch, same data and versions. */
  restart(): void {
    this.epoch = crypto.randomUUID();
    for (const s of this.streams) s.drop();
    for (const s of this.streams) s.connect();
  }

  /** Stops answering; streams fail and wait for `goUp`. */
  goDown(): void {
    this.down = true;
    for (const s of this.streams) s.drop();
  }

  /** Answers again; streams reconnect unless told not to (their retry has not fired yet). */
  goUp({ reconnectStreams = true } = {}): void {
    this.down = false;
    if (reconnectStreams) for (const s of this.streams) s.connect();
  }

  /** The database wiped and reseeded by a new process: new epoch, new history from v1. */
  wipe(seed: Partial<Record<ResourceName, Record<string, unknown>[]>>): void {
    this.epoch = crypto.randomUUID();
    for (const r of RESOURCE_NAMES) {
      this.items[r].clear();
      this.versions[r] = 0;
      this.history[r] = [];
      this.keepsFrom[r] = 0;
    }
    const push = this.autoPush;
    this.autoPush = false;
    for (const [r, items] of Object.entries(seed)) this.seed(r as ResourceName, items);
    this.autoPush = push;
    for (const s of this.streams) s.drop();
    for (const s of this.streams) s.connect();
  }

  /** Holds answers to matching requests until `open()`; `waiting` resolves when one is held. */
  gate(match: (r: RecordedRequest) => boolean): { open: () => void; waiting: Promise<void> } {
    let open!: () => void;
    let reached!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    const waiting = new Promise<void>((r) => (reached = r));
    const gate: Gate = { match, opened, open, reached, waiting };
    this.gates.push(gate);
    return { open, waiting };
  }

  /** The next request to `path` answers this error. */
  failNext(path: string, status: number, code: ErrorCode): void {
    this.failures.push({ path, status, code });
  }

  /** The next request to `path` gets no answer at all, as when the Wi-Fi drops mid-request. */
  dropNext(path: string): void {
    this.failures.push({ path, status: 0, code: 'unavailable' });
  }

  /**
   * Every open stream gets an answer that is not an event stream (a 503 while a server
   * restarts): EventSource gives up on it for good and never retries by itself.
   */
  refuseStreams(): void {
    for (const s of [...this.streams]) s.fail();
  }

  count(method: string, path: string, resource?: ResourceName): number {
    return this.requests.filter(
      (r) => r.method === method && r.path === path && (!resource || r.query.get('resource') === resource),
    ).length;
  }

  /** Requests other than the status and health ones: what moving items cost. */
  itemRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path !== '/api/sync/status' && r.path !== '/api/health');
  }

  private json(status: number, body: unknown): Response {
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }

  private error(status: number, code: ErrorCode, message: string): Response {
    return this.json(status, { error: { code, message } } satisfies ApiErrorBody);
  }

  private async handle(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    const request: RecordedRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: new Headers(init?.headers),
    };
    this.requests.push(request);
    if (this.down) throw new TypeError('fetch failed');
    const failure = this.failures.find((f) => f.path === request.path);
    if (failure) {
      this.failures.splice(this.failures.indexOf(failure), 1);
      if (failure.status === 0) throw new TypeError('fetch failed');
      return this.error(failure.status, failure.code, 'injected failure');
    }
    const response = this.route(request, init); // computed now: the answer reflects this moment
    const gate = this.gates.find((g) => g.match(request));
    if (gate) {
      this.gates.splice(this.gates.indexOf(gate), 1);
      gate.reached();
      await gate.opened;
    }
    if (this.down) throw new TypeError('fetch failed');
    return response;
  }

  private route(req: RecordedRequest, init?: RequestInit): Response {
    const headers = req.headers;
    if (req.path === '/api/health') return this.json(200, { ok: true, epoch: this.epoch });
    if (req.path === '/api/sync/status') return this.json(200, this.status());
    if (req.path === '/api/sync/changes') {
      const resource = req.query.get('resource') as ResourceName;
      const since = Number(req.query.get('since'));
      const epoch = req.query.get('epoch');
      if (epoch && epoch !== this.epoch) return this.error(409, 'epoch_mismatch', 'another epoch');
      if (since < this.keepsFrom[resource]) return this.error(410, 'too_old', 'history too old');
      const changes = this.history[resource]
        .filter((e) => e.version > since)
        .map((e) => ({ ...e, epoch: this.epoch }));
      return this.json(200, { epoch: this.epoch, resource, version: this.versions[resource], changes });
    }
    const [, , collection, id] = req.path.split('/');
    const resource = resourceByCollection(`/api/${collection}`);
    if (!resource) return this.error(404, 'unknown_resource', 'no such collection');
    const key = headers.get('idempotency-key');
    if (key && this.idempotent.has(key)) return this.idempotent.get(key)!.clone();
    const answer = this.crud(resource, req.method, id ? decodeURIComponent(id) : undefined, init, headers);
    // Like the real server, only successful answers are kept: an error is re-evaluated on retry.
    if (key && req.method !== 'GET' && answer.ok) this.idempotent.set(key, answer.clone());
    return answer;
  }

  private crud(
    resource: ResourceName,
    method: string,
    id: string | undefined,
    init?: RequestInit,
    h?: Headers,
  ) {
    const map = this.items[resource];
    const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : {};
    if (method === 'GET' && !id)
      return this.json(200, {
        epoch: this.epoch,
        version: this.versions[resource],
        digest: digestOf(map.values()),
        items: [...map.values()],
      });
    if (method === 'POST') {
      if (typeof body.name === 'string' && body.name.trim() === '')
        return this.error(400, 'validation_failed', 'name: must not be empty');
      if (map.has(String(body.id))) return this.error(409, 'already_exists', 'id taken');
      const e = this.commit(resource, 'created', body as AnyItem);
      return this.json(201, e.data);
    }
    const current = id ? map.get(id) : undefined;
    if (!current || !id) return this.error(404, 'not_found', 'no such item');
    if (method === 'PATCH') {
      const ifMatch = h?.get('if-match');
      if (ifMatch && Number(ifMatch) !== current.version)
        return this.error(412, 'precondition_failed', 'the item changed meanwhile');
      const e = this.commit(resource, 'updated', { ...current, ...body, id });
      return this.json(200, e.data);
    }
    if (method === 'DELETE') {
      const e = this.commit(resource, 'deleted', { id });
      return this.json(200, { id, version: e.version });
    }
    return this.error(404, 'not_found', 'no such route');
  }
}

/** A WHATWG-like EventSource whose server is the FakeServer. */
export class FakeEventSource implements EventSourceLike {
  readyState = 0;
  private listeners = new Map<string, Set<(event: MessageEvent) => void>>();

  constructor(
    private readonly server: FakeServer,
    readonly url: string,
  ) {
    server.streams.add(this);
    queueMicrotask(() => this.connect());
  }

  addEventListener(type: string, listener: (event: MessageEvent) => void): void {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(listener);
  }

  close(): void {
    this.readyState = 2;
    this.server.streams.delete(this);
  }

  /** Opens (as EventSource's own retry would), then sends `hello`. */
  connect(): void {
    if (this.readyState === 2 || this.readyState === 1) return;
    if (this.server.down) {
      this.dispatch('error');
      return;
    }
    this.readyState = 1;
    this.dispatch('open');
    const s = this.server.status();
    const heartbeatMs = this.server.heartbeatMs;
    this.dispatch('hello', {
      epoch: s.epoch,
      versions: s.versions,
      digests: s.digests,
      ...(heartbeatMs === undefined ? {} : { heartbeatMs }),
    });
  }

  /** A non-200 answer: EventSource closes for good, then says `error` (as the spec orders it). */
  fail(): void {
    if (this.readyState === 2) return;
    this.readyState = 2;
    this.server.streams.delete(this);
    for (const listener of this.listeners.get('error') ?? []) listener(new MessageEvent('error'));
  }

  /** The connection breaks; EventSource goes back to connecting. */
  drop(): void {
    if (this.readyState !== 1) return;
    this.readyState = 0;
    this.dispatch('error');
  }

  dispatch(type: string, data?: unknown, lastEventId = ''): void {
    this.dispatchRaw(type, data === undefined ? undefined : JSON.stringify(data), lastEventId);
  }

  /** Sends an event whose data is exactly `text`, JSON or not (a broken server). */
  dispatchRaw(type: string, text: string | undefined, lastEventId = ''): void {
    // Only an open connection carries messages; `open` and `error` are the connection's own.
    if (this.readyState === 2 || (this.readyState !== 1 && type !== 'error')) return;
    const event = new MessageEvent(type, { data: text, lastEventId });
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }
}

/** Fields of a valid-looking product (the fake server does not validate references). */
type Fields<R extends ResourceName> = { id: string } & ResourceFields[R];

export function product(id: string, name: string, priceCents: number): Fields<'product'> {
  return {
    id,
    name,
    categoryId: 'c1',
    priceCents,
    tagIds: [],
    attributeIds: [],
    printDestinationId: null,
    active: true,
    sortOrder: 0,
    description: '',
  };
}

export function category(id: string, name: string): Fields<'category'> {
  return { id, name, parentId: null, sortOrder: 0, color: '#8a8f98' };
}

export function zone(id: string, name: string): Fields<'zone'> {
  return { id, name, sortOrder: 0 };
}
