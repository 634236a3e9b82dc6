/**
 * One event stream per browser. The tab holding the Web Lock `<name>-sse` is the leader:
 * it owns the EventSource and relays every signal to the other tabs over the
 * BroadcastChannel `<name>-sync`. When the leader closes, its lock is released and the
 * next waiting tab opens the stream. A tab the browser freezes lets go first (see
 * `suspend`): a frozen tab keeps its lock but runs no code, so it would lead nobody.
 * Without Web Locks (Node) every engine leads alone.
 */
import type { DrillNotice } from '../shared/drills';
import type { HeartbeatEvent, HelloEvent, ResetEvent, SyncEvent } from '../shared/protocol';
import { QUERY, SSE_EVENTS } from '../shared/protocol';
import { createBackoff } from './backoff';
import { readDrillNotice } from './drillNotice';
import type { PageLifecycle } from './pageLifecycle';

/** The part of a WHATWG EventSource the engine uses (the browser's or the `eventsource` package's). */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: MessageEvent) => void): void;
  close(): void;
}

/** What the `eventsource` package hands its `fetch` option. */
export interface StreamFetchInit {
  headers: Record<string, string>;
}

export type EventSourceConstructor = new (
  url: string,
  init?: {
    withCredentials?: boolean;
    fetch?: (url: string | URL, init: StreamFetchInit) => Promise<Response>;
  },
) => EventSourceLike;

/** Everything the stream tells the engine, identical in leader and follower tabs. */
export type StreamSignal =
  | { type: 'open' }
  | { type: 'closed' }
  | { type: 'hello'; data: HelloEvent }
  | { type: 'sync'; data: SyncEvent; id: string }
  | { type: 'heartbeat'; data: HeartbeatEvent }
  | { type: 'reset'; data: ResetEvent }
  /** Drill mode: QA injected a fault into the stream on purpose (already checked by `readDrillNotice`). */
  | { type: 'drill'; data: DrillNotice };

/** Relay messages between tabs: signals, plus a newcomer asking for the current state. */
type RelayMessage = StreamSignal | { type: 'state?' };

export interface EventStreamOptions {
  url: string;
  EventSource: EventSourceConstructor | undefined;
  /** Extra init for the EventSource (the bearer-token fetch in Node). */
  init?: ConstructorParameters<EventSourceConstructor>[1];
  /** Prefix of the lock and channel names: `red-coral` gives `red-coral-sse` / `red-coral-sync`. */
  name: string;
  locks: Pick<LockManager, 'request'> | null;
  BroadcastChannel: typeof BroadcastChannel | null;
  /** The tab's freeze / resume (pageLifecycle.ts); null where tabs are never frozen (Node). */
  lifecycle: PageLifecycle | null;
  /**
   * A stream silent this long is treated as dead and reopened (heartbeats come at least
   * every 15 s), unless its hello names the server's heartbeat interval: see `staleAfterFor`.
   */
  staleAfterMs: number;
  onSignal(signal: StreamSignal): void;
  onLeader(isLeader: boolean): void;
  onFault(message: string): void;
}

export interface EventStream {
  isLeader(): boolean;
  /** Reopens the EventSource if the browser gave up on it (called when a probe succeeds). */
  reconnectIfClosed(): void;
  stop(): void;
}

const CLOSED = 2;
const NAMED_EVENTS = [
  SSE_EVENTS.hello,
  SSE_EVENTS.sync,
  SSE_EVENTS.heartbeat,
  SSE_EVENTS.reset,
  SSE_EVENTS.drill,
] as const;

/** Missed heartbeats after which a stream counts as dead: one late heartbeat is not an outage. */
export const MISSED_HEARTBEATS = 3;
/** Never sooner than this, so a tiny interval cannot make a healthy stream flap. */
export const MIN_STALE_MS = 2_000;
/** Never later than this: a huge (or broken) interval must not switch the watchdog off. */
export const MAX_STALE_MS = 5 * 60_000;

/**
 * How long a stream may stay silent: three of the server's heartbeat intervals as its
 * hello announced them (clamped to [MIN_STALE_MS, MAX_STALE_MS]), else `fallbackMs`.
 */
export function staleAfterFor(heartbeatMs: unknown, fallbackMs: number): number {
  if (typeof heartbeatMs !== 'number' || !Number.isFinite(heartbeatMs) || heartbeatMs <= 0) return fallbackMs;
  return Math.min(Math.max(MISSED_HEARTBEATS * heartbeatMs, MIN_STALE_MS), MAX_STALE_MS);
}

/** The signal an event's data makes, or null when the data cannot be one. */
function signalOf(name: (typeof NAMED_EVENTS)[number], data: unknown, id: string): StreamSignal | null {
  if (name === SSE_EVENTS.drill) {
    const notice = readDrillNotice(data);
    return notice && { type: name, data: notice };
  }
  // The other events are checked where they are used (the rules, the check).
  return { type: name, data, id } as StreamSignal;
}

export function joinEventStream(options: EventStreamOptions): EventStream {
  let source: EventSourceLike | null = null;
  let leader = false;
  let open = false;
  let stopped = false;
  let watchdog: ReturnType<typeof setTimeout> | null = null;
  /** The current connection's silence limit: the option's, until its hello names the heartbeat. */
  let staleAfterMs = options.staleAfterMs;
  let staleReason = '';
  /**
   * EventSource retries a dropped connection by itself, but gives up for good on an answer
   * that is not a 200 event stream (a 503 while the server restarts, a 502 from a proxy):
   * then this tab reconnects itself, after a jittered delay, so a venue's devices do not all
   * come back in the same second and none waits for the offline probe.
   */
  const reopen = createBackoff({ baseMs: 1_000, capMs: 30_000 });
  /** Frozen by the browser: neither leading nor waiting for the lock until it resumes. */
  let suspended = false;
  /** Cancels this tab's place in the lock's queue. */
  let lockRequest: AbortController | null = null;
  let releaseLock: () => void = () => undefined;
  /** The id of the last sync event this tab saw, its own or relayed. */
  let lastEventId = '';
  const useRelay = options.locks !== null && options.BroadcastChannel !== null;
  const channel =
    useRelay && options.BroadcastChannel ? new options.BroadcastChannel(`${options.name}-sync`) : null;

  /** Hands a signal to this tab and, when leading, to every other tab. */
  function emit(signal: StreamSignal): void {
    if (signal.type === 'open') open = true;
    if (signal.type === 'closed') open = false;
    if (leader) channel?.postMessage(signal);
    options.onSignal(signal);
  }

  function armWatchdog(): void {
    if (watchdog) clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      options.onFault(`no message for ${staleAfterMs} ms${staleReason}; reopening the stream`);
      closeSource();
      connect();
    }, staleAfterMs);
    (watchdog as { unref?: () => void }).unref?.();
  }

  /** Closes the EventSource; `quietly` tells nobody, not even this tab's engine. */
  function closeSource(quietly = false): void {
    if (watchdog) clearTimeout(watchdog);
    watchdog = null;
    source?.close();
    source = null;
    if (open && quietly) open = false;
    if (open) emit({ type: 'closed' });
  }

  function connect(): void {
    if (stopped || !leader || !options.EventSource) return;
    // A new EventSource (new leader, watchdog, browser gave up) resumes where events stopped;
    // EventSource's own retries send the Last-Event-ID header instead.
    const url = lastEventId
      ? `${options.url}${options.url.includes('?') ? '&' : '?'}${QUERY.lastEventId}=${encodeURIComponent(lastEventId)}`
      : options.url;
    const es = new options.EventSource(url, options.init);
    source = es;
    staleAfterMs = options.staleAfterMs;
    staleReason = '';
    es.addEventListener('open', () => {
      if (source !== es) return;
      reopen.reset();
      armWatchdog();
      emit({ type: 'open' });
    });
    // EventSource retries by itself (sending Last-Event-ID); we only report the outage,
    // to the other tabs too, so none of them keeps showing "Syncing" while nobody is connected.
    es.addEventListener('error', () => {
      if (source !== es) return;
      emit({ type: 'closed' });
      if (es.readyState === CLOSED) reopen.schedule(() => reconnectNow());
    });
    for (const name of NAMED_EVENTS) {
      es.addEventListener(name, (event) => {
        if (source !== es) return;
        if (event.lastEventId) lastEventId = event.lastEventId;
        let signal: StreamSignal | null = null;
        try {
          signal = signalOf(name, JSON.parse(String(event.data)), event.lastEventId);
        } catch {
          signal = null;
        }
        if (signal?.type === 'hello') hearHello(signal.data);
        // Even an unreadable message shows the connection is alive.
        armWatchdog();
        if (!signal) {
          options.onFault(`unreadable ${name} event; ignored`);
          return;
        }
        try {
          emit(signal);
        } catch {
          options.onFault(`the ${name} event could not be handled`);
        }
      });
    }
  }

  /** Each connection's hello may say how often the server beats: three missed beats mean dead. */
  function hearHello(hello: HelloEvent): void {
    const heartbeatMs: unknown = (hello as { heartbeatMs?: unknown } | null)?.heartbeatMs;
    staleAfterMs = staleAfterFor(heartbeatMs, options.staleAfterMs);
    staleReason =
      staleAfterMs === options.staleAfterMs ? '' : ` (the server beats every ${String(heartbeatMs)} ms)`;
  }

  function becomeLeader(): void {
    leader = true;
    options.onLeader(true);
    connect();
  }

  channel?.addEventListener('message', (event: MessageEvent<RelayMessage>) => {
    const message = event.data;
    if (leader) {
      if (message.type === 'state?')
        channel.postMessage({ type: open ? 'open' : 'closed' } satisfies StreamSignal);
      return;
    }
    if (message.type === 'state?') return;
    if (message.type === 'sync' && message.id) lastEventId = message.id;
    if (message.type === 'open') open = true;
    if (message.type === 'closed') open = false;
    // A tab running another version of the app may relay a signal this one does not know.
    try {
      options.onSignal(message);
    } catch {
      options.onFault(`the relayed ${String(message.type)} signal could not be handled`);
    }
  });

  /** Joins as a follower: asks the leader how the stream stands, and queues for the lock. */
  function follow(locks: Pick<LockManager, 'request'>): void {
    options.onLeader(false);
    channel?.postMessage({ type: 'state?' } satisfies RelayMessage);
    const request = new AbortController();
    lockRequest = request;
    locks
      .request(`${options.name}-sse`, { signal: request.signal }, () => {
        if (stopped || suspended || lockRequest !== request) return Promise.resolve();
        becomeLeader();
        // Held until this tab stops, freezes or closes; the browser releases it when the tab goes away.
        return new Promise<void>((resolve) => {
          releaseLock = resolve;
        });
      })
      .catch(() => undefined);
  }

  /** Opens a new EventSource if this tab leads and has none that is alive. */
  function reconnectNow(): void {
    if (!leader || stopped) return;
    if (!source || source.readyState === CLOSED) {
      closeSource();
      connect();
    }
  }

  /** Lets go of the stream and the lock before the browser freezes this tab: the next tab leads. */
  function suspend(): void {
    if (stopped || suspended) return;
    suspended = true;
    reopen.reset();
    lockRequest?.abort();
    lockRequest = null;
    if (leader) {
      // Told to nobody: the tab that leads next opens the stream at once; and this tab's
      // engine must not start IndexedDB work (the log line of a lost stream) that would
      // then stay open while frozen, blocking every other tab's transactions.
      leader = false;
      closeSource(true);
      options.onLeader(false);
    }
    releaseLock();
    releaseLock = () => undefined;
  }

  /** Back from a freeze: rejoin as a follower (the state answer runs the check), lead when the lock is free. */
  function resume(): void {
    if (stopped || !suspended || !options.locks) return;
    suspended = false;
    follow(options.locks);
  }

  const unwatchLifecycle =
    useRelay && options.lifecycle ? options.lifecycle({ onSuspend: suspend, onResume: resume }) : null;

  if (useRelay && options.locks) follow(options.locks);
  else becomeLeader();

  return {
    isLeader: () => leader,
    reconnectIfClosed() {
      reopen.reset();
      reconnectNow();
    },
    stop() {
      if (stopped) return;
      reopen.reset();
      closeSource();
      stopped = true;
      lockRequest?.abort();
      leader = false;
      releaseLock();
      unwatchLifecycle?.();
      channel?.close();
    },
  };
}
