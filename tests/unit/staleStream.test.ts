import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type EventStream,
  joinEventStream,
  MAX_STALE_MS,
  MIN_STALE_MS,
  type StreamSignal,
  staleAfterFor,
} from '../../src/sync/eventStream';
import type { SyncEngine } from '../../src/sync/types';
import { FAKE_ORIGIN, FakeServer, product } from './support/fakeServer';
import { makeEngine } from './support/setup';

let server: FakeServer;

beforeEach(() => {
  server = new FakeServer();
  server.seed('product', [product('p1', 'Soup', 450)]);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('staleAfterFor', () => {
  it('is three heartbeat intervals when the hello names one', () => {
    expect(staleAfterFor(1_000, 45_000)).toBe(3_000);
    expect(staleAfterFor(15_000, 45_000)).toBe(45_000);
    expect(staleAfterFor(5_000, 45_000)).toBe(15_000);
  });

  it('never under 2 s, so a tiny interval cannot make the stream flap; never above 5 min', () => {
    expect(MIN_STALE_MS).toBe(2_000);
    expect(staleAfterFor(100, 45_000)).toBe(2_000);
    expect(staleAfterFor(1, 45_000)).toBe(2_000);
    expect(staleAfterFor(600_000, 45_000)).toBe(MAX_STALE_MS);
  });

  it('keeps the configured limit when the hello has no usable interval', () => {
    for (const value of [undefined, null, '1000', 0, -5, Number.NaN, Number.POSITIVE_INFINITY, {}])
      expect(staleAfterFor(value, 45_000)).toBe(45_000);
  });
});

describe('the stream watchdog', () => {
  let stream: EventStream | null = null;
  const signals: StreamSignal['type'][] = [];
  const faults: string[] = [];

  beforeEach(() => {
    // Only the watchdog's timers: the fake EventSource connects in a microtask.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    signals.length = 0;
    faults.length = 0;
  });

  afterEach(() => {
    stream?.stop();
    stream = null;
  });

  async function join(): Promise<void> {
    stream = joinEventStream({
      url: `${FAKE_ORIGIN}/api/sync/events`,
      EventSource: server.EventSource,
      name: 'watchdog-test',
      locks: null,
      BroadcastChannel: null,
      lifecycle: null,
      staleAfterMs: 45_000,
      onSignal: (s) => signals.push(s.type),
      onLeader: () => undefined,
      onFault: (message) => faults.push(message),
    });
    await Promise.resolve(); // the fake EventSource opens and says hello
    expect(signals).toEqual(['open', 'hello']);
  }

  const sources = () => [...server.streams];

  it('with 1 s heartbeats, reopens a silent stream after exactly 3 s', async () => {
    server.heartbeatMs = 1_000;
    await join();
    const first = sources()[0];
    vi.advanceTimersByTime(2_999);
    expect(faults).toEqual([]);
    expect(sources()).toEqual([first]);
    vi.advanceTimersByTime(1);
    expect(faults).toEqual(['no message for 3000 ms (the server beats every 1000 ms); reopening the stream']);
    expect(first?.readyState).toBe(2);
    await Promise.resolve();
    expect(sources()).toHaveLength(1);
    expect(sources()[0]).not.toBe(first);
    expect(signals).toEqual(['open', 'hello', 'closed', 'open', 'hello']);
  });

  it('every message, heartbeats included, restarts the 3 s', async () => {
    server.heartbeatMs = 1_000;
    await join();
    vi.advanceTimersByTime(2_500);
    server.heartbeat();
    vi.advanceTimersByTime(2_500);
    server.commit('product', 'updated', product('p1', 'Soup', 460));
    vi.advanceTimersByTime(2_999);
    expect(faults).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(faults).toHaveLength(1);
  });

  it('a tiny announced interval still waits 2 s', async () => {
    server.heartbeatMs = 10;
    await join();
    vi.advanceTimersByTime(1_999);
    expect(faults).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(faults).toEqual(['no message for 2000 ms (the server beats every 10 ms); reopening the stream']);
  });

  it('without an announced interval, waits the configured 45 s as before', async () => {
    await join();
    vi.advanceTimersByTime(44_999);
    expect(faults).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(faults).toEqual(['no message for 45000 ms; reopening the stream']);
  });
});

describe('an engine whose server stalls its heartbeats', () => {
  let engine: SyncEngine | null = null;

  afterEach(async () => {
    vi.useRealTimers();
    await engine?.stop();
    engine = null;
  });

  /** Lets IndexedDB (setImmediate, not faked) and the fake network finish what they started. */
  async function settle(): Promise<void> {
    for (let i = 0; i < 50; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  it('notices after exactly 3 s of silence with 1 s heartbeats, reopens the stream and checks', async () => {
    server.heartbeatMs = 1_000;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    engine = makeEngine(server, { resources: ['product'] });
    await engine.start();
    await settle();
    expect(engine.connection.getState().state).toBe('online');
    const first = [...server.streams][0];
    server.requests = [];
    // Heartbeats stalled: nothing arrives after the hello.
    vi.advanceTimersByTime(2_999);
    expect(first?.readyState).toBe(1);
    vi.advanceTimersByTime(1);
    expect(first?.readyState).toBe(2);
    await settle();
    expect(engine.connection.getState().state).toBe('online');
    expect(server.streams.size).toBe(1);
    expect([...server.streams][0]).not.toBe(first);
    const lines = engine.log.getState().entries.map((e) => `${e.kind}: ${e.message}`);
    const stall = lines.indexOf(
      'fault: no message for 3000 ms (the server beats every 1000 ms); reopening the stream',
    );
    expect(lines.slice(stall, stall + 3)).toEqual([
      'fault: no message for 3000 ms (the server beats every 1000 ms); reopening the stream',
      'stream_closed: event stream lost; retrying',
      'stream_open: event stream open',
    ]);
    expect(server.requests.map((r) => r.path)).toEqual(['/api/sync/status']);
  });
});
