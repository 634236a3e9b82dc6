/**
 * The real server process (`node --import tsx server/main.ts`) on each storage: concurrent
 * writes from parallel clients, restarts over the same data (a new epoch on SQLite, the
 * deployment's epoch kept on PostgreSQL), durable commits across SIGKILL, and graceful
 * shutdown on SIGTERM.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { digestOf } from '../../src/shared/digest';
import type {
  ChangesResponse,
  HelloEvent,
  ResetEvent,
  Snapshot,
  SyncEvent,
  SyncStatus,
} from '../../src/shared/protocol';
import { type Item, RESOURCE_NAMES, RESOURCES } from '../../src/shared/resources';
import { STORAGE_KINDS, startServer, type TestServer } from '../helpers/server';
import { untilTrue } from '../helpers/wait';
import { client, openStream, status } from './support';

describe.each(STORAGE_KINDS)('on %s', (kind) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ storage: kind, env: { RED_CORAL_HEARTBEAT_MS: '200' } });
  });
  afterAll(() => server.stop());

  /** Every type's snapshot, keyed by type. */
  async function snapshots(token: string) {
    const api = client(server.url, token);
    const out: Record<string, Snapshot> = {};
    for (const r of RESOURCE_NAMES) out[r] = (await api.get<Snapshot>(RESOURCES[r].collection)).body;
    return out;
  }

  describe('the spawned server', () => {
    test('with stdout not a terminal, writes the staff sheet once to DATA_DIR/staff-pins.txt (0600) and prints only where', () => {
      const file = join(server.dataDir, 'staff-pins.txt');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8')).toMatch(/Maria Lopez\s+Manager\s+PIN 1234/);
      expect(server.output()).toContain(`Demo restaurant created. The staff and their PINs are in ${file}`);
      expect(server.output()).not.toContain('PIN 1234');
      expect(server.output()).toContain(`http://127.0.0.1:${server.port}`);
    });

    test('RED_CORAL_HEARTBEAT_MS sets the heartbeat of the event stream', async () => {
      const stream = await openStream(server.url, await server.login());
      const beats = await stream.waitFor((e) => e.event === 'heartbeat', 2);
      stream.close();
      const now = await status(server.url);
      expect(beats[1]!.data).toEqual({ epoch: now.epoch, versions: now.versions });
    });

    test('200 concurrent writes from parallel clients raise the version by exactly 200, each version once', async () => {
      const tokens = await Promise.all([1, 2, 3, 4].map(() => server.login()));
      const stream = await openStream(server.url, tokens[0]);
      await stream.waitFor((e) => e.event === 'hello');
      const before = await status(server.url);
      const v0 = before.versions.product;
      const categoryId = (
        (await client(server.url, tokens[0]).get<Snapshot>('/api/categories')).body.items[0] as Item
      ).id;
      const products = (await client(server.url, tokens[0]).get<Snapshot<'product'>>('/api/products')).body
        .items;

      // Creates and updates interleaved, spread over four sessions, all in flight at once.
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) => {
          const api = client(server.url, tokens[i % 4]);
          return i % 2 === 0
            ? api.post<Item>('/api/products', { name: `Rush ${i}`, categoryId, priceCents: i })
            : api.patch<Item>(`/api/products/${products[i % products.length]!.id}`, {
                priceCents: 10_000 + i,
              });
        }),
      );
      expect(answers.map((a) => a.status).filter((s) => s !== 200 && s !== 201)).toEqual([]);
      const expected = Array.from({ length: 200 }, (_, i) => v0 + 1 + i);
      expect(answers.map((a) => a.body.version).sort((a, b) => a - b)).toEqual(expected);

      const after = await status(server.url);
      expect(after.versions.product).toBe(v0 + 200);
      expect(after.counts.product).toBe(before.counts.product + 100);
      const log = await client(server.url, tokens[1]).get<ChangesResponse>(
        `/api/sync/changes?resource=product&since=${v0}`,
      );
      expect(log.body.changes.map((c) => c.version)).toEqual(expected);

      const events = await stream.waitFor((e) => e.event === 'sync', 200, 15_000);
      stream.close();
      expect(events.map((e) => (e.data as SyncEvent).version)).toEqual(expected);

      const snap = (await client(server.url, tokens[2]).get<Snapshot>('/api/products')).body;
      expect(snap.version).toBe(v0 + 200);
      expect(digestOf(snap.items)).toBe(after.digests.product);
    });

    const restartTitle =
      kind === 'sqlite'
        ? 'a restart brings a new epoch; data, versions and digests survive'
        : "a restart keeps the deployment's epoch; data, versions and digests survive";
    test(restartTitle, async () => {
      const token = await server.login();
      const api = client(server.url, token);
      const zone = (await api.post<Item>('/api/zones', { name: 'Before restart' })).body;
      const epoch1 = await server.epoch();
      const status1 = await status(server.url);
      const snaps1 = await snapshots(token);

      await server.restart();
      const epoch2 = await server.epoch();
      // SQLite: one process owns the history, a new process a new epoch. PostgreSQL: the
      // history lives on in the database every instance shares, and so does the epoch.
      if (kind === 'sqlite') expect(epoch2).not.toBe(epoch1);
      else expect(epoch2).toBe(epoch1);
      const status2 = await status(server.url);
      const strip = ({ epoch: _e, ...rest }: SyncStatus) => rest;
      expect(strip(status2)).toEqual(strip(status1));
      expect(status2.epoch).toBe(epoch2);

      // Sessions are stored server-side, so the old token still works after a restart.
      const snaps2 = await snapshots(token);
      for (const r of RESOURCE_NAMES) {
        expect(snaps2[r]!.items).toEqual(snaps1[r]!.items);
        expect(snaps2[r]!.version).toBe(snaps1[r]!.version);
        expect(snaps2[r]!.digest).toBe(snaps1[r]!.digest);
        expect(digestOf(snaps2[r]!.items)).toBe(status2.digests[r]);
      }
      expect((await api.get(`/api/zones/${zone.id}`)).body).toEqual(zone);
      // A second start on the same data does not seed again.
      expect(server.output()).not.toContain('Demo restaurant created');
    });

    /** An EventSource signed in with a bearer token, recording hello, sync and reset. */
    async function recordingEventSource() {
      const token = await server.login();
      const messages: { type: string; data: unknown }[] = [];
      const es = new EventSource(`${server.url}/api/sync/events`, {
        fetch: (input, init) =>
          fetch(input, {
            ...init,
            headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${token}` },
          }),
      });
      const record = (type: string) => (e: MessageEvent) =>
        messages.push({ type, data: JSON.parse(e.data as string) });
      for (const type of ['hello', 'sync', 'reset']) es.addEventListener(type, record(type));
      const waitFor = (pred: () => boolean) => untilTrue(pred, 'the event stream');
      await waitFor(() => messages.some((m) => m.type === 'hello'));
      await client(server.url, token).post('/api/zones', { name: 'Heard live' });
      await waitFor(() => messages.some((m) => m.type === 'sync'));
      return { es, token, messages, waitFor };
    }

    if (kind === 'sqlite')
      test('an EventSource that reconnects after a restart hears hello with the new epoch, then reset', async () => {
        const { es, messages, waitFor } = await recordingEventSource();
        const oldEpoch = (messages[0]!.data as HelloEvent).epoch;
        await server.restart();
        await waitFor(() => messages.some((m) => m.type === 'reset'));
        es.close();
        const newEpoch = await server.epoch();
        expect(messages.map((m) => m.type)).toEqual(['hello', 'sync', 'hello', 'reset']);
        expect((messages[2]!.data as HelloEvent).epoch).toBe(newEpoch);
        expect(messages[3]!.data).toEqual({ epoch: newEpoch, reason: 'epoch_changed' } satisfies ResetEvent);
        expect(newEpoch).not.toBe(oldEpoch);
      });
    else
      test('an EventSource that reconnects after a restart keeps its epoch and resumes without a reset', async () => {
        const { es, token, messages, waitFor } = await recordingEventSource();
        const epoch = (messages[0]!.data as HelloEvent).epoch;
        await server.restart();
        // Lands before or after the reconnect: replayed after Last-Event-ID, or live.
        const zone = (await client(server.url, token).post<Item>('/api/zones', { name: 'After restart' }))
          .body;
        await waitFor(() => messages.filter((m) => m.type === 'sync').length === 2);
        es.close();
        expect(messages.map((m) => m.type)).toEqual(['hello', 'sync', 'hello', 'sync']);
        expect((messages[2]!.data as HelloEvent).epoch).toBe(epoch);
        expect(messages[3]!.data).toMatchObject({ epoch, action: 'created', id: zone.id });
      });

    test('an acknowledged write survives SIGKILL', async () => {
      const api = client(server.url, await server.login());
      const zone = (await api.post<Item>('/api/zones', { name: 'Durable' })).body;
      const before = await status(server.url);
      await server.kill();
      await server.restart();
      const after = await status(server.url);
      expect(after.versions).toEqual(before.versions);
      expect(after.digests).toEqual(before.digests);
      expect((await client(server.url, await server.login()).get(`/api/zones/${zone.id}`)).body).toEqual(
        zone,
      );
    });

    test('SIGTERM ends open event streams and the process exits', async () => {
      const stream = await openStream(server.url, await server.login());
      await stream.waitFor((e) => e.event === 'hello');
      const started = Date.now();
      await server.stop();
      await stream.closed;
      expect(Date.now() - started).toBeLessThan(5000);
      await expect(fetch(`${server.url}/api/health`)).rejects.toThrow();
      await server.restart();
      expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    });
  });

  describe('logs', () => {
    /** Signs in, creates an employee with a PIN, tries a wrong PIN with the cookie: secrets in every place a log could pick up. */
    async function requestsWithSecrets(server: TestServer): Promise<string> {
      const token = await server.login();
      const api = client(server.url, token);
      const roleId = ((await api.get<Snapshot>('/api/roles')).body.items[0] as Item).id;
      await api.post('/api/employees', { name: 'Quiet', roleId, pin: '24681357' });
      await fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: `rc_session=${token}` },
        body: JSON.stringify({ pin: '11223344' }),
      });
      return token;
    }

    test('at LOG_LEVEL=info no request is logged; at debug one JSON line per request, with no PIN and no token', async () => {
      const quiet = await startServer({ storage: kind, env: { LOG_LEVEL: 'info' } });
      try {
        await requestsWithSecrets(quiet);
        await quiet.stop();
        expect(quiet.output()).toContain('"msg":"Server listening at');
        expect(quiet.output()).not.toContain('"msg":"request"');
        expect(quiet.output()).not.toContain('"msg":"incoming request"');
      } finally {
        await quiet.stop();
      }

      const verbose = await startServer({ storage: kind, env: { LOG_LEVEL: 'debug' }, adminPin: '97531086' });
      try {
        const token = await requestsWithSecrets(verbose);
        await verbose.stop();
        const log = verbose.output().split('Red Coral is running')[1]!;
        const lines = log
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as { msg: string; method?: string; url?: string; status?: number });
        // The helper's own health polls aside: sign-in, the role list, the create, the wrong PIN, one line each.
        const requests = lines.filter((l) => l.msg === 'request' && l.url !== '/api/health');
        expect(requests.map((r) => `${r.method} ${r.url} ${r.status}`)).toEqual([
          'POST /api/auth/login 200',
          'GET /api/roles 200',
          'POST /api/employees 201',
          'POST /api/auth/login 401',
        ]);
        for (const secret of ['97531086', '24681357', '11223344', token])
          expect(verbose.output()).not.toContain(secret);
      } finally {
        await verbose.stop();
      }
    });
  });
});
