/**
 * The SSE hub's drill-mode surface on its own: with drill faults attached but none acting
 * on events, flushes keep the shared once-encoded chunk; while one acts, each stream gets
 * exactly its events once and the shared path takes over afterwards without repeats or
 * gaps; notices, ends, and the pause/restart a wipe or epoch rotation uses.
 */
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { FaultTable } from '../../server/drills/faults';
import { chunk, type Encoded, SseHub, type SseStream, sseMessage, syncMessage } from '../../server/sse/hub';
import type { Change } from '../../server/storage/types';
import type { DrillNotice, DrillStream } from '../../src/shared/drills';
import { RESOURCE_NAMES } from '../../src/shared/resources';
import { untilTrue } from '../helpers/wait';

const EPOCH = '3f1c1d2e-0000-4000-8000-000000000001';
const NEXT = '3f1c1d2e-0000-4000-8000-000000000002';
const versions = () =>
  Object.fromEntries(RESOURCE_NAMES.map((r) => [r, 0])) as Record<(typeof RESOURCE_NAMES)[number], number>;

function socket() {
  const writes: Buffer[] = [];
  const s = new Writable({
    write(data: Buffer, _enc, done) {
      writes.push(data);
      done();
    },
  });
  return Object.assign(s, { writes, text: () => writes.map(String) });
}

const change = (seq: number): Change => ({
  seq,
  resource: 'zone',
  version: seq,
  action: 'created',
  id: `zone-${seq}`,
  data: { id: `zone-${seq}`, version: seq, name: `Zone ${seq}`, sortOrder: 0 },
});
const messages = (epoch: string, ...seqs: number[]) =>
  seqs.map((s) => syncMessage(epoch, change(s))).join('');
const framed = (text: string) => String(chunk(text));
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const label = (id: string, userAgent = 'test'): DrillStream => ({
  id,
  employee: null,
  userAgent,
  remoteAddress: '127.0.0.1',
  openedAt: new Date(0).toISOString(),
});
const notice = (message: string): DrillNotice => ({ epoch: EPOCH, fault: 'cut', message });

let hub: SseHub;
const newHub = (heartbeatMs = 60_000) => {
  hub = new SseHub(EPOCH, versions(), { heartbeatMs, maxBufferBytes: 1 << 20 });
  return hub;
};
afterEach(() => hub?.close());

describe('SseHub with drill faults', () => {
  test('attached faults with none armed keep the fast path: one shared chunk for every stream', async () => {
    newHub();
    hub.attachFaults(new FaultTable(hub));
    const a = socket();
    const b = socket();
    hub.goLive(hub.add(a, label('s1')), 0);
    hub.goLive(hub.add(b, label('s2')), 0);
    hub.publish([change(1), change(2)]);
    await nextTurn();
    expect(a.writes[0]).toBe(b.writes[0]);
    expect(a.text()).toEqual([framed(messages(EPOCH, 1, 2))]);
  });

  test('while a fault shapes events each stream is handed its events once; the shared path then resumes exactly after them', async () => {
    newHub();
    const delivered: [string, number[]][] = [];
    const faults = {
      shapesEvents: true,
      stallsHeartbeats: false,
      deliver(stream: SseStream, events: Encoded[]) {
        delivered.push([stream.client!.id, events.map((e) => e.seq)]);
      },
      stallsHeartbeat: () => false,
      endRound() {},
      forget() {},
    };
    hub.attachFaults(faults);
    const early = socket();
    const late = socket();
    const earlyStream = hub.add(early, label('s1'));
    hub.goLive(earlyStream, 0);
    const lateStream = hub.add(late, label('s2'));
    hub.goLive(lateStream, 2); // its replay carried 1 and 2; the feed publishes them a moment later
    hub.publish([change(1), change(2), change(3)]);
    await nextTurn();
    expect(delivered).toEqual([
      ['s1', [1, 2, 3]],
      ['s2', [3]],
    ]);
    expect(earlyStream.sentSeq).toBe(3);
    expect(lateStream.sentSeq).toBe(3);
    // Whatever the faults did with them (here: nothing), 1-3 count as handed over.
    faults.shapesEvents = false;
    hub.publish([change(3), change(4)]);
    await nextTurn();
    expect(early.text()).toEqual([framed(messages(EPOCH, 4))]);
    expect(late.text()).toEqual([framed(messages(EPOCH, 4))]);
  });

  test('notify writes event: drill without an id, after what is queued, to matching live streams only', async () => {
    newHub();
    const a = socket();
    const b = socket();
    hub.goLive(hub.add(a, label('s1')), 0);
    hub.goLive(hub.add(b, label('s2')), 0);
    hub.publish([change(1)]);
    expect(hub.notify((s) => s.client?.id === 's1', notice('Drill: hello'))).toBe(1);
    expect(a.text()).toEqual([
      framed(messages(EPOCH, 1)),
      framed(`event: drill\ndata: ${JSON.stringify(notice('Drill: hello'))}\n\n`),
    ]);
    expect(b.text()).toEqual([framed(messages(EPOCH, 1))]);
  });

  test('end closes matching streams, live ones after the notice; starting ones just end', async () => {
    newHub();
    const live = socket();
    const starting = socket();
    const other = socket();
    hub.goLive(hub.add(live, label('s1', 'tablet-A')), 0);
    hub.add(starting, label('s2', 'tablet-A'));
    hub.goLive(hub.add(other, label('s3', 'tablet-B')), 0);
    const ended = hub.end((s) => s.client!.userAgent === 'tablet-A', notice('Drill: stream cut'));
    expect(ended).toBe(2);
    await Promise.all([once(live, 'finish'), once(starting, 'finish')]);
    expect(live.text()).toEqual([framed(sseMessage('drill', notice('Drill: stream cut'))), '0\r\n\r\n']);
    expect(starting.text()).toEqual(['0\r\n\r\n']);
    expect(other.writableEnded).toBe(false);
    expect(hub.size).toBe(1);
  });

  test('pause sends nothing (no events, no heartbeats); restart tells and ends every stream, then serves the new epoch and versions', async () => {
    newHub(20);
    const s = socket();
    hub.goLive(hub.add(s), 0);
    hub.publish([change(1)]);
    hub.pause(); // flushes what was published before
    expect(s.text()).toEqual([framed(messages(EPOCH, 1))]);
    hub.publish([change(2), change(3)]);
    // wait-ok: an observation window: three heartbeat intervals in which nothing may be sent.
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(s.text()).toEqual([framed(messages(EPOCH, 1))]);

    const told: DrillNotice = { epoch: EPOCH, fault: 'wipe', message: 'Drill: database wiped and reseeded' };
    expect(hub.restart(NEXT, { ...versions(), zone: 3 }, told)).toBe(1);
    await once(s, 'finish');
    expect(s.text()).toEqual([framed(messages(EPOCH, 1)), framed(sseMessage('drill', told)), '0\r\n\r\n']);
    expect(hub.epoch).toBe(NEXT);

    const after = socket();
    hub.goLive(hub.add(after), 3);
    hub.publish([change(3), change(4)]); // 3 was recorded while paused: not sent again
    await untilTrue(() => after.text().join('').includes('event: heartbeat'), 'a heartbeat');
    const text = after.text().join('');
    expect(text.startsWith(framed(messages(NEXT, 4)))).toBe(true);
    expect(text).toContain(
      framed(sseMessage('heartbeat', { epoch: NEXT, versions: { ...versions(), zone: 4 } })),
    );
  });
});
