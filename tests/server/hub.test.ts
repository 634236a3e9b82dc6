/**
 * The SSE hub on its own: one serialization per event, events coalesced into one write
 * per stream per event-loop turn, no duplicates, and a slow client dropped without
 * holding back the others. Also: a stream keeps only its socket, not Node's HTTP objects.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { chunk, SseHub, sseMessage, syncMessage } from '../../server/sse/hub';
import { SSE_HEAD, takeSocket } from '../../server/sse/socket';
import type { Change } from '../../server/storage/types';
import { RESOURCE_NAMES } from '../../src/shared/resources';
import { untilTrue } from '../helpers/wait';

const EPOCH = '3f1c1d2e-0000-4000-8000-000000000001';
const versions = () =>
  Object.fromEntries(RESOURCE_NAMES.map((r) => [r, 0])) as Record<(typeof RESOURCE_NAMES)[number], number>;

/** A connection that accepts everything at once and records each write as it came. */
function fastSocket(writes: Buffer[] = []) {
  const socket = new Writable({
    write(chunk: Buffer, _enc, done) {
      writes.push(chunk);
      done();
    },
  });
  return Object.assign(socket, { writes, text: () => writes.map(String) });
}

/** A connection whose reader never reads: every write stays buffered. */
function stuckSocket() {
  return new Writable({ highWaterMark: 16, write() {} });
}

const change = (seq: number): Change => ({
  seq,
  resource: 'zone',
  version: seq,
  action: 'created',
  id: `zone-${seq}`,
  data: { id: `zone-${seq}`, version: seq, name: `Zone ${seq} ${'x'.repeat(100)}`, sortOrder: 0 },
});
const messages = (...seqs: number[]) => seqs.map((s) => syncMessage(EPOCH, change(s))).join('');
/** SSE text as the one HTTP chunk it goes out in. */
const framed = (text: string) => String(chunk(text));
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

let hub: SseHub;
const newHub = (maxBufferBytes = 1 << 20) => {
  hub = new SseHub(EPOCH, versions(), { heartbeatMs: 60_000, maxBufferBytes });
  return hub;
};
afterEach(() => hub?.close());

describe('SseHub', () => {
  test('changes committed in one turn reach each stream in one write (one chunk), in commit order', async () => {
    newHub();
    const a = fastSocket();
    const b = fastSocket();
    hub.goLive(hub.add(a), 0);
    hub.goLive(hub.add(b), 0);
    hub.publish([change(1)]);
    hub.publish([change(2), change(3)]);
    hub.publish([change(4)]);
    expect(a.writes).toEqual([]); // nothing is written inside the commit
    await nextTurn();
    expect(a.text()).toEqual([framed(messages(1, 2, 3, 4))]);
    expect(b.text()).toEqual([framed(messages(1, 2, 3, 4))]);
    hub.publish([change(5)]);
    await nextTurn();
    expect(a.text()).toEqual([framed(messages(1, 2, 3, 4)), framed(messages(5))]);
  });

  test('every stream is written the same bytes: serialized once, not once per client', async () => {
    newHub();
    const sockets = [fastSocket(), fastSocket(), fastSocket()];
    for (const s of sockets) hub.goLive(hub.add(s), 0);
    hub.publish([change(1), change(2)]);
    await nextTurn();
    const [first, ...rest] = sockets.map((s) => s.writes[0]!);
    for (const chunk of rest) expect(chunk).toBe(first);
  });

  test('a client that stops reading is dropped; the others get every event', async () => {
    newHub(1000);
    const fast = fastSocket();
    const slow = stuckSocket();
    hub.goLive(hub.add(fast), 0);
    hub.goLive(hub.add(slow), 0);
    for (let seq = 1; seq <= 50; seq++) {
      hub.publish([change(seq)]);
      await nextTurn();
    }
    expect(slow.destroyed).toBe(true);
    expect(hub.size).toBe(1);
    expect(fast.text()).toEqual(Array.from({ length: 50 }, (_, i) => framed(messages(i + 1))));
  });

  test('a starting client that would hold more than the limit is dropped', () => {
    newHub(1000);
    const starting = fastSocket();
    hub.add(starting);
    hub.publish(Array.from({ length: 20 }, (_, i) => change(i + 1)));
    expect(starting.destroyed).toBe(true);
    expect(hub.size).toBe(0);
  });

  test('events for a starting client wait, and only those after its replay are sent, after the replay', async () => {
    newHub();
    const s = fastSocket();
    const stream = hub.add(s);
    hub.publish([change(1), change(2), change(3)]);
    await nextTurn();
    expect(s.writes).toEqual([]);
    hub.goLive(stream, 2, 'REPLAY\n\n'); // its replay already covered seq 1 and 2
    hub.publish([change(4)]);
    await nextTurn();
    expect(s.text()).toEqual([framed(`REPLAY\n\n${messages(3)}`), framed(messages(4))]);
  });

  test('a client going live mid-turn gets the queued events once', async () => {
    newHub();
    const s = fastSocket();
    const stream = hub.add(s);
    hub.publish([change(1), change(2)]); // queued, not yet flushed
    hub.goLive(stream, 1);
    hub.publish([change(3)]);
    await nextTurn();
    expect(s.text()).toEqual([framed(messages(2)), framed(messages(3))]);
  });

  test("a change published after the client's replay already carried it is not sent twice", async () => {
    newHub();
    const s = fastSocket();
    hub.goLive(hub.add(s), 5); // its replay (read from the database) went up to seq 5
    hub.publish([change(4), change(5), change(6)]); // the feed catches up a moment later
    await nextTurn();
    hub.publish([change(6)]);
    await nextTurn();
    expect(s.text()).toEqual([framed(messages(6))]);
  });

  test('a stream that is ahead of part of the batch gets only the rest, in one write', async () => {
    newHub();
    const early = fastSocket();
    const late = fastSocket();
    hub.goLive(hub.add(early), 0);
    hub.goLive(hub.add(late), 2);
    hub.publish([change(1), change(2), change(3), change(4)]);
    await nextTurn();
    expect(early.text()).toEqual([framed(messages(1, 2, 3, 4))]);
    expect(late.text()).toEqual([framed(messages(3, 4))]);
  });

  test('a heartbeat goes after the events already published, and reports their versions', async () => {
    hub = new SseHub(EPOCH, versions(), { heartbeatMs: 20, maxBufferBytes: 1 << 20 });
    const s = fastSocket();
    hub.goLive(hub.add(s), 0);
    hub.publish([change(1)]);
    await untilTrue(() => s.text().join('').includes('event: heartbeat'), 'a heartbeat');
    const text = s.text().join('');
    expect(text.startsWith(framed(messages(1)))).toBe(true);
    expect(text.slice(framed(messages(1)).length)).toContain(
      framed(sseMessage('heartbeat', { epoch: EPOCH, versions: { ...versions(), zone: 1 } })),
    );
  });

  test('close writes what is queued, then ends every stream', async () => {
    newHub();
    const s = fastSocket();
    hub.goLive(hub.add(s), 0);
    hub.publish([change(1)]);
    hub.close();
    await once(s, 'finish');
    expect(s.text()).toEqual([framed(messages(1)), '0\r\n\r\n']); // then the last chunk
    expect(hub.size).toBe(0);
  });

  test('the event text is the SSE frame: id epoch/seq, event sync, one data line', () => {
    const text = syncMessage(EPOCH, change(7));
    expect(text).toBe(
      `id: ${EPOCH}/7\nevent: sync\ndata: ${JSON.stringify({ epoch: EPOCH, resource: 'zone', action: 'created', id: 'zone-7', version: 7, data: change(7).data })}\n\n`,
    );
  });
});

describe('takeSocket', () => {
  test('keeps only the socket: parser freed, request and response let go; the stream still works', async () => {
    newHub();
    let taken: (Socket & { parser?: unknown; _httpMessage?: unknown }) | null = null;
    const server = createServer((req: IncomingMessage) => {
      const socket = takeSocket(req);
      taken = socket;
      const stream = hub.add(socket);
      socket.write(SSE_HEAD);
      hub.write(stream, 'retry: 1000\n\n');
      hub.goLive(stream, 0);
      hub.publish([change(1), change(2)]);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    const client = connect(port, '127.0.0.1');
    client.write('GET /api/sync/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    let received = '';
    client.on('data', (chunk: Buffer) => {
      received += chunk;
    });
    const expected = `${SSE_HEAD}${framed('retry: 1000\n\n')}${framed(messages(1, 2))}`;
    await untilTrue(() => received.length >= expected.length);
    // The head, then one chunk per write: the events of one turn share one chunk.
    expect(received).toBe(expected);
    expect(taken!.parser).toBeNull();
    expect(taken!._httpMessage).toBeNull();
    expect(taken!.listenerCount('data')).toBe(0);
    expect(server.listenerCount('request')).toBe(1);
    // Bytes the client sends afterwards are ignored, not parsed as a request.
    client.write('GET /other HTTP/1.1\r\n\r\n');
    await nextTurn();
    client.destroy();
    await untilTrue(() => hub.size === 0);
    expect(hub.size).toBe(0);
    server.close();
    await once(server, 'close');
  });
});
