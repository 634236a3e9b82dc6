/**
 * Slow clients (contract section 9, issue #13): a trickled header or body is cut off at its
 * deadline with a 408 in the contract's shape, a connection that sends nothing is closed,
 * event streams are exempt from the body deadline but count toward the connection cap, and
 * a flood of slow connections never keeps `/api/health` from answering, on both ports.
 */
import http from 'node:http';
import https from 'node:https';
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ApiErrorBody } from '../../src/shared/protocol';
import { type InProcessServer, startInProcessServer } from '../helpers/server';
import { fetchTrusting } from '../helpers/tls';
import { call, errorOf, openStream, type Stream } from './support';

/** A raw connection: what it was sent back, and when the server closed it. */
interface RawClient {
  socket: Socket;
  text(): string;
  /** Resolves with the milliseconds from connect to close. */
  closed: Promise<number>;
}

function rawClient(server: InProcessServer, secure: boolean): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const port = Number(new URL(secure ? server.httpsUrl! : server.url).port);
    const socket = secure
      ? connectTls({ host: '127.0.0.1', port, ca: server.tls!.authority!.pem, servername: 'localhost' })
      : connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('error', () => undefined);
    const closed = new Promise<number>((done) => socket.once('close', () => done(Date.now() - started)));
    socket.once(secure ? 'secureConnect' : 'connect', () =>
      resolve({ socket, text: () => received, closed }),
    );
    socket.once('error', reject);
  });
}

/**
 * The status of `GET /api/health` on a connection of its own, as a tablet arriving in the
 * middle of the flood would open one (a pooled one might be the idle connection closed to
 * make room for a slow client).
 */
function healthOnNewConnection(server: InProcessServer, secure: boolean): Promise<number> {
  const url = new URL(`${secure ? server.httpsUrl : server.url}/api/health`);
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).get(
      url,
      { agent: false, ...(secure ? { ca: server.tls!.authority!.pem } : {}) },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    request.once('error', reject);
  });
}

/** Writes `byte` every `everyMs` until the socket closes. */
function trickle(client: RawClient, everyMs: number, byte = 'x'): void {
  const timer = setInterval(() => {
    if (client.socket.destroyed) clearInterval(timer);
    else client.socket.write(byte);
  }, everyMs);
  void client.closed.then(() => clearInterval(timer));
}

/** The 408 the server answers a late request with, in the contract's shape. */
function expectRequestTimeout(text: string): void {
  expect(text.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
  const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as ApiErrorBody;
  expect(body.error).toEqual({
    code: 'request_timeout',
    message: 'the request did not arrive in time',
    details: null,
  });
}

const LOGIN_HEAD =
  'POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n';

describe('at the default deadlines', () => {
  let server: InProcessServer;
  beforeAll(async () => {
    server = await startInProcessServer({ seed: false });
  });
  afterAll(() => server.stop());

  test('a body trickled a byte every 5 s is cut off within 30 s, with a 408', {
    timeout: 60_000,
  }, async () => {
    const client = await rawClient(server, false);
    client.socket.write(LOGIN_HEAD);
    trickle(client, 5_000);
    const after = await client.closed;
    expect(after).toBeGreaterThanOrEqual(20_000);
    expect(after).toBeLessThan(30_000);
    expectRequestTimeout(client.text());
  });
});

describe('at short deadlines', () => {
  const HEADERS_MS = 1_000;
  const REQUEST_MS = 2_000;
  let server: InProcessServer;
  beforeAll(async () => {
    server = await startInProcessServer({
      tls: true,
      config: {
        headersTimeoutMs: HEADERS_MS,
        requestTimeoutMs: REQUEST_MS,
        deadlineCheckMs: 100,
        heartbeatMs: 300,
      },
    });
  });
  afterAll(() => server.stop());

  test.each([false, true])(
    'secure=%s: a trickled header is cut off at the header deadline, with a 408',
    async (secure) => {
      const client = await rawClient(server, secure);
      client.socket.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      trickle(client, 200, 'X');
      const after = await client.closed;
      expect(after).toBeGreaterThanOrEqual(HEADERS_MS);
      expect(after).toBeLessThan(REQUEST_MS + 5_000);
      expectRequestTimeout(client.text());
    },
  );

  test.each([false, true])(
    'secure=%s: a trickled body is cut off at the request deadline, with a 408',
    async (secure) => {
      const client = await rawClient(server, secure);
      client.socket.write(LOGIN_HEAD);
      trickle(client, 200);
      const after = await client.closed;
      expect(after).toBeGreaterThanOrEqual(REQUEST_MS);
      expect(after).toBeLessThan(REQUEST_MS + 5_000);
      expectRequestTimeout(client.text());
    },
  );

  test.each([false, true])(
    'secure=%s: a connection that never sends a request is closed at the header deadline',
    async (secure) => {
      const client = await rawClient(server, secure);
      const after = await client.closed;
      expect(after).toBeGreaterThanOrEqual(HEADERS_MS);
      expect(after).toBeLessThan(REQUEST_MS + 5_000);
      expectRequestTimeout(client.text());
    },
  );

  test('an event stream outlives the request deadline several times over: it is exempt', async () => {
    const token = await server.login();
    for (const [base, fetchWith] of [
      [server.url, fetch],
      [server.httpsUrl!, fetchTrusting(server.tls!.authority!.pem)],
    ] as const) {
      const opened = Date.now();
      const stream = await openStream(base, token, { fetch: fetchWith });
      await stream.waitFor((e) => e.event === 'hello', 1, 15_000);
      // Heartbeats keep arriving until well past the deadline: the stream was never cut.
      for (let beats = 1; Date.now() - opened <= 3 * REQUEST_MS; beats++)
        await stream.waitFor((e) => e.event === 'heartbeat', beats, 15_000);
      expect(stream.events.filter((e) => e.event === 'reset')).toEqual([]);
      stream.close();
    }
  });
});

describe('the connection cap', () => {
  const CAP = 16;
  let server: InProcessServer;
  beforeAll(async () => {
    server = await startInProcessServer({
      tls: true,
      config: { maxConnections: CAP, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000, heartbeatMs: 300 },
    });
  });
  afterAll(() => server.stop());

  test.each([false, true])(
    'secure=%s: /api/health answers while slow clients keep flooding in',
    async (secure) => {
      const base = secure ? server.httpsUrl! : server.url;
      const fetchWith = secure ? fetchTrusting(server.tls!.authority!.pem) : fetch;
      const slow: RawClient[] = [];
      for (let i = 0; i < 4 * CAP; i++) {
        const client = await rawClient(server, secure);
        client.socket.write(i % 2 === 0 ? LOGIN_HEAD : 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
        trickle(client, 500);
        slow.push(client);
        if (i % 8 === 7) {
          const health = await call(base, 'GET', '/api/health', { fetch: fetchWith });
          expect(health.status).toBe(200);
        }
      }
      // The oldest slow clients made room for the newer ones and for health; never more than the cap stayed.
      const open = slow.filter((c) => !c.socket.destroyed).length;
      expect(open).toBeLessThanOrEqual(CAP);
      expect(open).toBeGreaterThan(0);
      for (const client of slow) client.socket.destroy();
    },
  );

  test('event streams count toward the cap, may not fill it, and are never closed to make room', async () => {
    const token = await server.login();
    const streams: Stream[] = [];
    // The cap keeps max(2, 10 %) free for ordinary requests: 14 streams of 16.
    for (let i = 0; i < CAP - 2; i++) {
      const stream = await openStream(server.url, token);
      await stream.waitFor((e) => e.event === 'hello', 1, 15_000);
      streams.push(stream);
    }
    const refused = await call(server.url, 'GET', '/api/sync/events', { token });
    expect(refused.status).toBe(503);
    expect(errorOf(refused)).toEqual({
      code: 'unavailable',
      message: 'too many open event streams; retry shortly',
      details: null,
    });
    expect(refused.headers.get('retry-after')).toBe('5');

    const slow: RawClient[] = [];
    for (let i = 0; i < CAP; i++) {
      const client = await rawClient(server, i % 2 === 0);
      client.socket.write(LOGIN_HEAD);
      trickle(client, 500);
      slow.push(client);
    }
    expect(await healthOnNewConnection(server, false)).toBe(200);
    expect(await healthOnNewConnection(server, true)).toBe(200);
    // Every stream still hears its heartbeats: none was closed for the newcomers.
    const counts = streams.map((s) => s.events.filter((e) => e.event === 'heartbeat').length);
    await Promise.all(
      streams.map((s, i) => s.waitFor((e) => e.event === 'heartbeat', counts[i]! + 2, 15_000)),
    );
    for (const client of slow) client.socket.destroy();
    for (const stream of streams) stream.close();
  });
});
