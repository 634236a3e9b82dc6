/**
 * GET /api/sync/events: hello first, every committed change as a `sync` event in commit
 * order, heartbeats, Last-Event-ID resume without gaps or duplicates, and explicit resets.
 */
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  formatEventId,
  type HeartbeatEvent,
  type HelloEvent,
  parseEventId,
  type Snapshot,
  type SyncEvent,
} from '../../src/shared/protocol';
import type { Item } from '../../src/shared/resources';
import { type InProcessServer, STORAGE_KINDS, startInProcessServer } from '../helpers/server';
import { untilTrue } from '../helpers/wait';
import { type Client, call, client, errorOf, openStream, type SseEvent, status } from './support';

describe.each(STORAGE_KINDS)('on %s', (kind) => {
  let server: InProcessServer;
  let api: Client;
  let token: string;

  beforeAll(async () => {
    server = await startInProcessServer({ storage: kind, config: { heartbeatMs: 150, logRetention: 20 } });
    token = await server.login();
    api = client(server.url, token);
  });
  afterAll(() => server.stop());

  const isSync = (e: SseEvent) => e.event === 'sync';
  const syncData = (e: SseEvent) => e.data as SyncEvent;
  const newZone = (name: string) => api.post<Item<'zone'>>('/api/zones', { name });

  describe('a new stream', () => {
    test('answers text/event-stream, sends retry, then hello with the current status and the heartbeat interval', async () => {
      const now = await status(server.url);
      const stream = await openStream(server.url, token);
      const [hello] = await stream.waitFor((e) => e.event === 'hello');
      stream.close();
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(stream.headers.get('cache-control')).toBe('no-cache, no-transform');
      expect(stream.headers.get('x-accel-buffering')).toBe('no');
      expect(stream.events[0]).toEqual({ event: 'message', id: undefined, data: '', retry: 1000 });
      expect(stream.events[1]).toBe(hello);
      expect(hello!.data).toEqual({
        epoch: server.epoch,
        versions: now.versions,
        digests: now.digests,
        heartbeatMs: 150,
      } satisfies HelloEvent);
    });

    test('sends every committed change as a sync event with the epoch, in commit order', async () => {
      const stream = await openStream(server.url, token);
      await stream.waitFor((e) => e.event === 'hello');
      const v0 = (await status(server.url)).versions.zone;
      const writers = [
        client(server.url, await server.login()),
        client(server.url, await server.login()),
        api,
      ];
      const created = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          writers[i % 3]!.post<Item<'zone'>>('/api/zones', { name: `Z${i}` }),
        ),
      );
      const events = await stream.waitFor(isSync, 30);
      stream.close();
      // Commit order is version order within the type and seq order overall.
      expect(events.map((e) => syncData(e).version)).toEqual(
        Array.from({ length: 30 }, (_, i) => v0 + 1 + i),
      );
      const seqs = events.map((e) => parseEventId(e.id!)!.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      for (const e of events) {
        const data = syncData(e);
        expect(e.id).toBe(formatEventId(server.epoch, parseEventId(e.id!)!.seq));
        expect(data.epoch).toBe(server.epoch);
        expect(data.action).toBe('created');
        expect(data.data).toEqual(created.find((c) => c.body.id === data.id)!.body);
      }
    });

    test('updates and deletes arrive with their data; a delete carries null', async () => {
      const zone = (await newZone('Mezzanine')).body;
      const stream = await openStream(server.url, token);
      await stream.waitFor((e) => e.event === 'hello');
      const renamed = (await api.patch<Item>(`/api/zones/${zone.id}`, { name: 'Upper floor' })).body;
      const removed = (await api.del<{ version: number }>(`/api/zones/${zone.id}`)).body;
      const [updated, deleted] = await stream.waitFor(isSync, 2);
      stream.close();
      expect(updated!.data).toEqual({
        epoch: server.epoch,
        resource: 'zone',
        action: 'updated',
        id: zone.id,
        version: renamed.version,
        data: renamed,
      });
      expect(deleted!.data).toEqual({
        epoch: server.epoch,
        resource: 'zone',
        action: 'deleted',
        id: zone.id,
        version: removed.version,
        data: null,
      });
    });

    test('every stream gets the same events', async () => {
      const streams = await Promise.all([1, 2, 3].map(() => openStream(server.url, token)));
      await Promise.all(streams.map((s) => s.waitFor((e) => e.event === 'hello')));
      for (let i = 0; i < 5; i++) await newZone(`Same ${i}`);
      const seen = await Promise.all(streams.map((s) => s.waitFor(isSync, 5)));
      for (const s of streams) s.close();
      expect(seen[1]).toEqual(seen[0]);
      expect(seen[2]).toEqual(seen[0]);
    });

    test('a heartbeat with the epoch and current versions comes while nothing happens', async () => {
      const stream = await openStream(server.url, token);
      const [beat] = await stream.waitFor((e) => e.event === 'heartbeat');
      stream.close();
      const now = await status(server.url);
      expect(beat!.data).toEqual({ epoch: server.epoch, versions: now.versions } satisfies HeartbeatEvent);
      expect(beat!.id).toBeUndefined();
    });

    test('changes committed in one turn reach a client in one write (one HTTP chunk), in order', async () => {
      const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
      let received = Buffer.alloc(0);
      socket.on('data', (data: Buffer) => {
        received = Buffer.concat([received, data]);
      });
      socket.write(
        `GET /api/sync/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      );
      await untilTrue(() => received.includes('event: hello'));
      const ids = [randomUUID(), randomUUID(), randomUUID()];
      // Three commits in one transaction: published together, flushed once.
      await server.storage.writeBatch(
        ids.map((id, i) => ({
          resource: 'zone' as const,
          id,
          actor: 'test',
          action: 'create' as const,
          fields: { name: `Batch ${i}`, sortOrder: 0 },
        })),
      );
      await untilTrue(() => received.includes(ids[2]!));
      socket.destroy();
      const headEnd = received.indexOf('\r\n\r\n');
      const head = received.subarray(0, headEnd).toString().toLowerCase();
      expect(head.split('\r\n')[0]).toBe('http/1.1 200 ok');
      expect(head).toContain('transfer-encoding: chunked');
      const chunks: string[] = [];
      for (let at = headEnd + 4; at < received.length; ) {
        const lineEnd = received.indexOf('\r\n', at);
        const size = Number.parseInt(received.subarray(at, lineEnd).toString(), 16);
        chunks.push(received.subarray(lineEnd + 2, lineEnd + 2 + size).toString());
        at = lineEnd + 2 + size + 2;
      }
      expect(chunks[0]).toBe('retry: 1000\n\n');
      const batch = chunks.filter((c) => ids.some((id) => c.includes(id)));
      expect(batch).toHaveLength(1);
      const events = batch[0]!.split('\n\n').filter(Boolean);
      expect(events.map((e) => JSON.parse(e.slice(e.indexOf('data: ') + 6)).id)).toEqual(ids);
      expect(events.every((e) => e.startsWith(`id: ${server.epoch}/`))).toBe(true);
    });

    test('a client that hangs up is let go: the server closes its side of the stream', async () => {
      const accepted: Socket[] = [];
      const onConnection = (s: Socket) => accepted.push(s);
      server.app.server.on('connection', onConnection);
      const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
      let received = '';
      socket.on('data', (chunk: Buffer) => {
        received += chunk;
      });
      socket.write(
        `GET /api/sync/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      );
      await untilTrue(() => received.includes('event: hello'));
      server.app.server.off('connection', onConnection);
      const served = accepted.find((s) => s.remotePort === socket.localPort)!;
      expect(served.destroyed).toBe(false);
      socket.end();
      await untilTrue(() => served.destroyed);
      expect(served.destroyed).toBe(true);
    });

    test('a failed write sends no event', async () => {
      const stream = await openStream(server.url, token);
      await stream.waitFor((e) => e.event === 'hello');
      await api.post('/api/zones', { name: '' });
      await api.del('/api/zones/does-not-exist');
      const marker = (await newZone('After failures')).body;
      const [first] = await stream.waitFor(isSync);
      stream.close();
      expect(syncData(first!).id).toBe(marker.id);
    });
  });

  describe('resuming with Last-Event-ID', () => {
    test('replays every missed change in order, then continues live, without duplicates', async () => {
      const first = await openStream(server.url, token);
      await first.waitFor((e) => e.event === 'hello');
      await newZone('R1');
      const [seen] = await first.waitFor(isSync);
      first.close();
      const missed = [];
      for (const name of ['R2', 'R3', 'R4']) missed.push((await newZone(name)).body);

      const resumed = await openStream(server.url, token, { lastEventId: seen!.id });
      const replayed = await resumed.waitFor(isSync, 3);
      expect(replayed.map((e) => syncData(e).data)).toEqual(missed);
      expect(resumed.events.filter((e) => e.event === 'reset')).toEqual([]);
      const live = (await newZone('R5')).body;
      const all = await resumed.waitFor(isSync, 4);
      resumed.close();
      expect(all.map((e) => syncData(e).id)).toEqual([...missed.map((m) => m.id), live.id]);
    });

    test('the lastEventId query parameter works like the header', async () => {
      const s = await openStream(server.url, token);
      await s.waitFor((e) => e.event === 'hello');
      await newZone('Q1');
      const [seen] = await s.waitFor(isSync);
      s.close();
      const missed = (await newZone('Q2')).body;
      const resumed = await openStream(server.url, token, {
        query: `?lastEventId=${encodeURIComponent(seen!.id!)}`,
      });
      const [replayed] = await resumed.waitFor(isSync);
      resumed.close();
      expect(syncData(replayed!).data).toEqual(missed);
    });

    test('resuming from the newest event replays nothing', async () => {
      const s = await openStream(server.url, token);
      await s.waitFor((e) => e.event === 'hello');
      await newZone('Newest');
      const [seen] = await s.waitFor(isSync);
      s.close();
      const resumed = await openStream(server.url, token, { lastEventId: seen!.id });
      await resumed.waitFor((e) => e.event === 'heartbeat');
      resumed.close();
      expect(resumed.events.filter((e) => e.event === 'sync' || e.event === 'reset')).toEqual([]);
    });

    test('history past the retention gets an explicit reset (too_old), then live events', async () => {
      const s = await openStream(server.url, token);
      await s.waitFor((e) => e.event === 'hello');
      await newZone('Old');
      const [seen] = await s.waitFor(isSync);
      s.close();
      for (let i = 0; i < 25; i++) await newZone(`Flood ${i}`); // retention is 20 per type
      const resumed = await openStream(server.url, token, { lastEventId: seen!.id });
      const [reset] = await resumed.waitFor((e) => e.event === 'reset');
      expect(reset!.data).toEqual({ epoch: server.epoch, reason: 'too_old' });
      expect(resumed.events.map((e) => e.event)).toEqual(['message', 'hello', 'reset']);
      const live = (await newZone('After reset')).body;
      const [next] = await resumed.waitFor(isSync);
      resumed.close();
      expect(syncData(next!).id).toBe(live.id);
    });

    test('an id from another epoch gets reset (epoch_changed)', async () => {
      const other = formatEventId('0b5e1a57-7777-4777-8777-777777777777', 3);
      const resumed = await openStream(server.url, token, { lastEventId: other });
      const [reset] = await resumed.waitFor((e) => e.event === 'reset');
      resumed.close();
      expect(reset!.data).toEqual({ epoch: server.epoch, reason: 'epoch_changed' });
    });

    test('an id from this epoch but ahead of the log gets reset (server_reset)', async () => {
      const resumed = await openStream(server.url, token, {
        lastEventId: formatEventId(server.epoch, 10_000_000),
      });
      const [reset] = await resumed.waitFor((e) => e.event === 'reset');
      resumed.close();
      expect(reset!.data).toEqual({ epoch: server.epoch, reason: 'server_reset' });
    });

    test.each([['garbage'], ['123'], ['not-a-uuid/12'], ['5d0c3c39-0000-4000-8000-000000000000/x']])(
      'a malformed Last-Event-ID %j is 400 before streaming',
      async (id) => {
        const res = await call(server.url, 'GET', '/api/sync/events', {
          token,
          headers: { 'last-event-id': id },
        });
        expect(res.status).toBe(400);
        expect(res.body).toEqual({
          error: {
            code: 'invalid_header',
            message: 'Last-Event-ID must be an event id from this server ("<epoch>/<seq>")',
            details: null,
          },
        });
      },
    );

    test('a malformed lastEventId query is 400 invalid_query', async () => {
      const res = await call(server.url, 'GET', '/api/sync/events?lastEventId=nope', { token });
      expect(res.status).toBe(400);
      expect(errorOf(res).code).toBe('invalid_query');
    });
  });

  describe('shutdown', () => {
    test('closing the server ends open streams', async () => {
      const own = await startInProcessServer({ storage: kind });
      const stream = await openStream(own.url, await own.login());
      await stream.waitFor((e) => e.event === 'hello');
      await own.stop();
      await stream.closed;
      expect(stream.events.map((e) => e.event)).toEqual(['message', 'hello']);
    });

    test('a snapshot after events matches the events (no lost change)', async () => {
      const snap = await api.get<Snapshot<'zone'>>('/api/zones');
      expect(snap.body.version).toBe((await status(server.url)).versions.zone);
    });
  });
});
