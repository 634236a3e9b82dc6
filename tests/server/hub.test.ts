/**
 * The SSE hub on its own: one serialization per event, and a slow client dropped
 * without holding back the others.
 */
import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { SseHub, syncMessage } from '../../server/sse/hub';
import type { Change } from '../../server/storage/types';
import { RESOURCE_NAMES } from '../../src/shared/resources';

const EPOCH = '3f1c1d2e-0000-4000-8000-000000000001';
const versions = () =>
  Object.fromEntries(RESOURCE_NAMES.map((r) => [r, 0])) as Record<(typeof RESOURCE_NAMES)[number], number>;

/** A connection that accepts everything at once. */
function fastSocket(chunks: string[]) {
  return new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as unknown as ServerResponse;
}

/** A connection whose reader never reads: every write stays buffered. */
function stuckSocket() {
  return new Writable({ highWaterMark: 16, write() {} }) as unknown as ServerResponse;
}

const change = (seq: number): Change => ({
  seq,
  resource: 'zone',
  version: seq,
  action: 'created',
  id: `zone-${seq}`,
  data: { id: `zone-${seq}`, version: seq, name: `Zone ${seq} ${'x'.repeat(100)}`, sortOrder: 0 },
});

describe('SseHub', () => {
  test('a client that stops reading is dropped; the others get every event', async () => {
    const hub = new SseHub(EPOCH, versions(), { heartbeatMs: 60_000, maxBufferBytes: 1000 });
    const received: string[] = [];
    const fast = hub.add(fastSocket(received));
    const slowRes = stuckSocket();
    const slow = hub.add(slowRes);
    hub.goLive(fast, 0);
    hub.goLive(slow, 0);
    const changes = Array.from({ length: 50 }, (_, i) => change(i + 1));
    hub.publish(changes);
    expect(slowRes.destroyed).toBe(true);
    expect(hub.size).toBe(1);
    expect(received).toEqual(changes.map((c) => syncMessage(EPOCH, c)));
    hub.close();
  });

  test('events for a starting client wait, and only those after its replay are sent', () => {
    const hub = new SseHub(EPOCH, versions(), { heartbeatMs: 60_000, maxBufferBytes: 1 << 20 });
    const received: string[] = [];
    const c = hub.add(fastSocket(received));
    hub.publish([change(1), change(2), change(3)]);
    expect(received).toEqual([]);
    hub.goLive(c, 2); // its replay already covered seq 1 and 2
    hub.publish([change(4)]);
    expect(received).toEqual([syncMessage(EPOCH, change(3)), syncMessage(EPOCH, change(4))]);
    hub.close();
  });

  test("a change published after the client's replay already carried it is not sent twice", () => {
    const hub = new SseHub(EPOCH, versions(), { heartbeatMs: 60_000, maxBufferBytes: 1 << 20 });
    const received: string[] = [];
    const c = hub.add(fastSocket(received));
    hub.goLive(c, 5); // its replay (read from the database) went up to seq 5
    hub.publish([change(4), change(5), change(6)]); // the feed catches up a moment later
    hub.publish([change(6)]);
    expect(received).toEqual([syncMessage(EPOCH, change(6))]);
    hub.close();
  });

  test('the event text is the SSE frame: id epoch/seq, event sync, one data line', () => {
    const text = syncMessage(EPOCH, change(7));
    expect(text).toBe(
      `id: ${EPOCH}/7\nevent: sync\ndata: ${JSON.stringify({ epoch: EPOCH, resource: 'zone', action: 'created', id: 'zone-7', version: 7, data: change(7).data })}\n\n`,
    );
  });
});
