/**
 * Drill mode (RED_CORAL_DRILLS=1): the switch and its production refusal, the control API's
 * auth and validation, each fault's exact effect on a targeted stream beside one that is
 * left alone, counts and durations with their notices, too_old on catch-ups and resumes,
 * cuts, and the in-process epoch rotation and wipe (SQLite) or their refusal (PostgreSQL).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../server/config';
import { StartupError } from '../../server/errors';
import { STAFF } from '../../server/seed-data';
import { digestOf } from '../../src/shared/digest';
import type { DrillNotice, DrillState, Fault, WipeResponse } from '../../src/shared/drills';
import type {
  ChangesResponse,
  HeartbeatEvent,
  HelloEvent,
  ResetEvent,
  Snapshot,
  SyncEvent,
} from '../../src/shared/protocol';
import { PERMISSIONS, RESOURCE_NAMES, RESOURCES, type ResourceName } from '../../src/shared/resources';
import {
  type InProcessServer,
  loginAt,
  STORAGE_KINDS,
  startInProcessServer,
  startServer,
} from '../helpers/server';
import { untilTrue, WAIT_MS } from '../helpers/wait';
import { type Client, call, client, errorOf, type SseEvent, status } from './support';

const HEARTBEAT_MS = 100;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// wait-ok: only for observation windows (nothing may arrive meanwhile), never to synchronise.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An event stream opened with a chosen User-Agent, as one tablet would. */
interface Tablet {
  status: number;
  events: SseEvent[];
  closed: Promise<void>;
  /** Whether the server ended the stream. */
  ended(): boolean;
  close(): void;
  waitFor(match: (e: SseEvent) => boolean, count?: number, timeoutMs?: number): Promise<SseEvent[]>;
  /** Sync events, drill notices and resets, in arrival order, as short lines. */
  story(): string[];
}

function line(e: SseEvent): string | null {
  if (e.event === 'sync') {
    const data = e.data as SyncEvent;
    return `${data.resource} v${data.version}`;
  }
  if (e.event === 'drill') return `drill: ${(e.data as DrillNotice).message}`;
  if (e.event === 'reset') return `reset ${(e.data as ResetEvent).reason}`;
  return null;
}

async function openTablet(
  base: string,
  token: string,
  userAgent: string,
  lastEventId?: string,
): Promise<Tablet> {
  const controller = new AbortController();
  const headers: Record<string, string> = {
    accept: 'text/event-stream',
    authorization: `Bearer ${token}`,
    'user-agent': userAgent,
  };
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
  const res = await fetch(`${base}/api/sync/events`, { headers, signal: controller.signal });
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  let done = false;
  const parse = (block: string) => {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const row of block.split('\n')) {
      const i = row.indexOf(':');
      const field = i === -1 ? row : row.slice(0, i);
      const value = i === -1 ? '' : row.slice(i + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'id') id = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) events.push({ event, id, data: JSON.parse(data.join('\n')) });
  };
  const closed = (async () => {
    if (!res.body || res.status !== 200) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      const reader = res.body.getReader();
      for (;;) {
        const { done: end, value } = await reader.read();
        if (end) break;
        buffer += decoder.decode(value, { stream: true });
        for (let cut = buffer.indexOf('\n\n'); cut !== -1; cut = buffer.indexOf('\n\n')) {
          parse(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
        }
        for (const w of waiters) w();
      }
      done = true;
    } catch {
      // aborted by close()
    }
    for (const w of waiters) w();
  })();
  return {
    status: res.status,
    events,
    closed,
    ended: () => done,
    close: () => controller.abort(),
    story: () => events.map(line).filter((l): l is string => l !== null),
    waitFor(match, count = 1, timeoutMs = WAIT_MS) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.filter(match);
          if (found.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${userAgent}: timed out waiting; story so far ${JSON.stringify(events)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

const isSync = (resource: ResourceName, version: number) => (e: SseEvent) =>
  e.event === 'sync' &&
  (e.data as SyncEvent).resource === resource &&
  (e.data as SyncEvent).version === version;
const isNotice = (text: string) => (e: SseEvent) =>
  e.event === 'drill' && (e.data as DrillNotice).message === text;

describe('RED_CORAL_DRILLS', () => {
  const load = (env: NodeJS.ProcessEnv) => loadConfig(env, '/tmp');

  test('1 turns drill mode on; unset, empty and 0 leave it off', () => {
    expect(load({}).drills).toBe(false);
    expect(load({ RED_CORAL_DRILLS: '' }).drills).toBe(false);
    expect(load({ RED_CORAL_DRILLS: '0' }).drills).toBe(false);
    expect(load({ RED_CORAL_DRILLS: '1' }).drills).toBe(true);
    expect(load({ RED_CORAL_DRILLS: '1', NODE_ENV: 'development' }).drills).toBe(true);
  });

  test.each(['true', 'yes', 'on', '2', ' 1'])('%j is refused with a message naming the variable', (value) => {
    expect(() => load({ RED_CORAL_DRILLS: value })).toThrow(StartupError);
    expect(() => load({ RED_CORAL_DRILLS: value })).toThrow(
      `RED_CORAL_DRILLS must be 1 (drill mode on) or 0/unset (off), got "${value}"`,
    );
  });

  test('drill mode is refused under NODE_ENV=production; off is fine there', () => {
    expect(() => load({ RED_CORAL_DRILLS: '1', NODE_ENV: 'production' })).toThrow(
      'drill mode is refused in production (NODE_ENV=production): unset RED_CORAL_DRILLS',
    );
    expect(load({ RED_CORAL_DRILLS: '0', NODE_ENV: 'production' }).drills).toBe(false);
  });

  test('the process refuses to start in production with drills, and warns loudly when they are on', async () => {
    await expect(startServer({ env: { RED_CORAL_DRILLS: '1', NODE_ENV: 'production' } })).rejects.toThrow(
      /server exited with 1:[\s\S]*Red Coral failed to start: drill mode is refused in production \(NODE_ENV=production\): unset RED_CORAL_DRILLS/,
    );
    const server = await startServer({ env: { RED_CORAL_DRILLS: '1' } });
    try {
      expect(server.output()).toContain(
        '*** DRILL MODE: faults can be injected through /api/drills (docs/DRILLS.md). Never on a venue in service. ***\n',
      );
      const answer = await client(server.url, await server.login()).get<DrillState>('/api/drills');
      expect(answer.status).toBe(200);
      expect(answer.body.epoch).toBe(await server.epoch());
    } finally {
      await server.stop();
    }
  });
});

describe('drill mode off', () => {
  let server: InProcessServer;
  beforeAll(async () => {
    server = await startInProcessServer({ config: { heartbeatMs: HEARTBEAT_MS } });
  });
  afterAll(() => server.stop());

  test('no /api/drills route exists: 404 like any unknown path', async () => {
    const api = client(server.url, await server.login());
    for (const [method, path] of [
      ['GET', '/api/drills'],
      ['POST', '/api/drills/faults'],
      ['DELETE', '/api/drills/faults'],
      ['POST', '/api/drills/cut'],
      ['POST', '/api/drills/rotate-epoch'],
      ['POST', '/api/drills/wipe'],
    ] as const) {
      const answer = await api.call(method, path, method === 'POST' ? { body: {} } : {});
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({
        error: { code: 'unknown_resource', message: `no resource at ${path}`, details: { path } },
      });
    }
  });

  test('hello still carries heartbeatMs', async () => {
    const tablet = await openTablet(server.url, await server.login(), 'tablet-off');
    const [hello] = await tablet.waitFor((e) => e.event === 'hello');
    tablet.close();
    expect((hello!.data as HelloEvent).heartbeatMs).toBe(HEARTBEAT_MS);
  });
});

describe.each(STORAGE_KINDS)('drill mode on %s', (kind) => {
  let server: InProcessServer;
  let token: string;
  let api: Client;
  const tablets: Tablet[] = [];

  beforeAll(async () => {
    server = await startInProcessServer({
      storage: kind,
      config: { drills: true, heartbeatMs: HEARTBEAT_MS, adminPin: '1234' },
    });
    token = await server.login();
    api = client(server.url, token);
  });
  afterAll(() => server.stop());
  afterEach(async () => {
    for (const t of tablets.splice(0)) t.close();
    expect((await api.del('/api/drills/faults')).status).toBe(200);
    // Each test starts with no stream open, so stream lists and cut counts are its own.
    await untilTrue(async () => (await api.get<DrillState>('/api/drills')).body.streams.length === 0);
  });

  /** Opens a stream as `userAgent` and waits for its hello. */
  async function tablet(userAgent: string, lastEventId?: string): Promise<Tablet> {
    const t = await openTablet(server.url, token, userAgent, lastEventId);
    tablets.push(t);
    await t.waitFor((e) => e.event === 'hello');
    return t;
  }

  /** Arms a fault; 201 and the fault, or the test fails with the server's answer. */
  async function arm(request: Record<string, unknown>): Promise<Fault> {
    const answer = await api.post<Fault>('/api/drills/faults', request);
    expect(answer.status, answer.text).toBe(201);
    return answer.body;
  }

  /** Creates one item of `resource` and waits until `witness` (an untouched stream) has its event. */
  async function write(resource: 'zone' | 'tag', witness: Tablet): Promise<number> {
    const body = resource === 'zone' ? { name: 'Drill zone' } : { name: 'Drill tag', color: '#123456' };
    const answer = await api.post<{ version: number }>(RESOURCES[resource].collection, body);
    expect(answer.status).toBe(201);
    await witness.waitFor(isSync(resource, answer.body.version));
    return answer.body.version;
  }

  async function faults(): Promise<Fault[]> {
    return (await api.get<DrillState>('/api/drills')).body.faults;
  }

  describe('the control API', () => {
    const routes = [
      ['GET', '/api/drills', undefined],
      ['POST', '/api/drills/faults', { kind: 'drop' }],
      ['DELETE', '/api/drills/faults', undefined],
      ['DELETE', '/api/drills/faults/f1', undefined],
      ['POST', '/api/drills/cut', {}],
      ['POST', '/api/drills/rotate-epoch', {}],
      ['POST', '/api/drills/wipe', {}],
    ] as const;

    test('every route needs a session: 401 not_signed_in', async () => {
      for (const [method, path, body] of routes) {
        const answer = await call(server.url, method, path, { body });
        expect(answer.status, `${method} ${path}`).toBe(401);
        expect(errorOf(answer).code).toBe('not_signed_in');
      }
    });

    test("every route needs a manager's session: 403 forbidden for a waiter and a shift lead", async () => {
      const waiter = server.staff.find((s) => s.role === 'Waiter')!;
      const lead = server.staff.find((s) => s.role === 'Shift lead')!;
      for (const [who, missing] of [
        [waiter, [...PERMISSIONS]],
        [lead, PERMISSIONS.filter((p) => p !== 'product.write' && p !== 'dining_table.write')],
      ] as const) {
        const other = client(server.url, await loginAt(server.url, who.pin));
        for (const [method, path, body] of routes) {
          const answer = await other.call(method, path, { body });
          expect(answer.status, `${method} ${path}`).toBe(403);
          expect(answer.body).toEqual({
            error: {
              code: 'forbidden',
              message: "drills need a manager's session (a role with every permission)",
              details: { missing },
            },
          });
        }
      }
      expect(await faults()).toEqual([]);
    });

    test('bad bodies are 400 in the contract shape, naming the field; nothing is armed', async () => {
      const cases: [string, unknown, string, string][] = [
        ['/api/drills/faults', {}, 'kind', 'invalid_value'],
        ['/api/drills/faults', { kind: 'explode' }, 'kind', 'invalid_value'],
        ['/api/drills/faults', { kind: 'drop', resource: 'pizza' }, 'resource', 'invalid_value'],
        ['/api/drills/faults', { kind: 'drop', count: 0 }, 'count', 'too_small'],
        ['/api/drills/faults', { kind: 'drop', durationMs: 1.5 }, 'durationMs', 'invalid_type'],
        ['/api/drills/faults', { kind: 'drop', durationMs: 86_400_001 }, 'durationMs', 'too_big'],
        ['/api/drills/faults', { kind: 'drop', client: '' }, 'client', 'too_small'],
        ['/api/drills/faults', { kind: 'drop', colour: 'red' }, 'colour', 'unrecognized_keys'],
        ['/api/drills/faults', { kind: 'duplicate', copies: 1 }, 'copies', 'too_small'],
        ['/api/drills/faults', { kind: 'reorder', window: 101 }, 'window', 'too_big'],
        ['/api/drills/faults', { kind: 'delay', delayMs: '2000' }, 'delayMs', 'invalid_type'],
        ['/api/drills/faults', { kind: 'drop', copies: 2 }, 'copies', 'custom'],
        ['/api/drills/faults', { kind: 'duplicate', delayMs: 5 }, 'delayMs', 'custom'],
        ['/api/drills/faults', [], '', 'invalid_type'],
        ['/api/drills/cut', { client: 5 }, 'client', 'invalid_type'],
        ['/api/drills/cut', { all: true }, 'all', 'unrecognized_keys'],
        ['/api/drills/rotate-epoch', { now: true }, 'now', 'unrecognized_keys'],
        ['/api/drills/wipe', { really: true }, 'really', 'unrecognized_keys'],
      ];
      for (const [path, body, field, code] of cases) {
        const answer = await api.post(path, body);
        expect(answer.status, JSON.stringify(body)).toBe(400);
        const error = errorOf(answer);
        expect(error.code).toBe('validation_failed');
        expect(error.details).toEqual([expect.objectContaining({ path: field, code })]);
      }
      expect(errorOf(await api.post('/api/drills/faults', { kind: 'drop', copies: 2 })).message).toBe(
        'copies: a drop fault takes no copies',
      );
      const broken = await api.post('/api/drills/faults', undefined, {
        raw: '{"kind":',
        headers: { 'content-type': 'application/json' },
      });
      expect(broken.status).toBe(400);
      expect(errorOf(broken).code).toBe('invalid_json');
      const text = await api.post('/api/drills/cut', undefined, {
        raw: 'all',
        headers: { 'content-type': 'text/plain' },
      });
      expect(text.status).toBe(415);
      const unknown = await api.del('/api/drills/faults/f999');
      expect(unknown.status).toBe(404);
      expect(unknown.body).toEqual({
        error: { code: 'not_found', message: 'no armed fault "f999"', details: { id: 'f999' } },
      });
      expect(await faults()).toEqual([]);
    });

    test('GET /api/drills: epoch, heartbeat, memory, armed faults and every open stream in open order', async () => {
      const before = Date.now();
      const a = await tablet('Mozilla/5.0 tablet-A');
      const b = await tablet('Mozilla/5.0 tablet-B');
      const fault = await arm({ kind: 'duplicate', resource: 'zone', client: 'tablet-A', count: 2 });
      expect(fault).toEqual({
        id: expect.stringMatching(/^f\d+$/),
        kind: 'duplicate',
        resource: 'zone',
        client: 'tablet-A',
        remaining: 2,
        until: null,
        copies: 3,
        window: null,
        delayMs: null,
        hits: 0,
        createdAt: expect.stringMatching(ISO),
      } satisfies Fault);
      const state = (await api.get<DrillState>('/api/drills')).body;
      expect(state.epoch).toBe((await status(server.url)).epoch);
      expect(state.heartbeatMs).toBe(HEARTBEAT_MS);
      expect(state.memory.rssBytes).toBeGreaterThan(state.memory.heapUsedBytes);
      expect(state.memory.heapUsedBytes).toBeGreaterThan(0);
      expect(state.faults).toEqual([fault]);
      const mine = state.streams.filter((s) => s.userAgent.includes('tablet-'));
      expect(mine).toEqual([
        {
          id: expect.stringMatching(/^s\d+$/),
          employee: 'Maria Lopez',
          userAgent: 'Mozilla/5.0 tablet-A',
          remoteAddress: '127.0.0.1',
          openedAt: expect.stringMatching(ISO),
        },
        {
          id: expect.stringMatching(/^s\d+$/),
          employee: 'Maria Lopez',
          userAgent: 'Mozilla/5.0 tablet-B',
          remoteAddress: '127.0.0.1',
          openedAt: expect.stringMatching(ISO),
        },
      ]);
      const [idA, idB] = mine.map((s) => Number(s.id.slice(1)));
      expect(idB).toBe(idA! + 1);
      expect(Date.parse(mine[0]!.openedAt)).toBeGreaterThanOrEqual(before - 5);
      a.close();
      b.close();
      await untilTrue(async () => (await api.get<DrillState>('/api/drills')).body.streams.length === 0);
      expect((await api.get<DrillState>('/api/drills')).body.streams).toEqual([]);
    });
  });

  describe('faults on sync events (A is targeted, B is not)', () => {
    test('drop with a count: the next 2 zone events miss A only, then it ends and says so', async () => {
      const a = await tablet('pos tablet-A');
      const b = await tablet('pos tablet-B');
      const fault = await arm({ kind: 'drop', resource: 'zone', client: 'tablet-A', count: 2 });
      const v1 = await write('zone', b);
      expect(await faults()).toEqual([{ ...fault, remaining: 1, hits: 1 }]);
      const v2 = await write('zone', b);
      await a.waitFor(isNotice(`Drill: drop fault ${fault.id} ended`));
      expect(await faults()).toEqual([]);
      const v3 = await write('zone', b);
      await a.waitFor(isSync('zone', v3));
      expect(a.story()).toEqual([
        'drill: Drill: dropping the next 2 zone sync events',
        `drill: Drill: drop fault ${fault.id} ended`,
        `zone v${v3}`,
      ]);
      expect(b.story()).toEqual([`zone v${v1}`, `zone v${v2}`, `zone v${v3}`]);
      const notice = a.events.find((e) => e.event === 'drill')!;
      expect(notice.id).toBeUndefined();
      expect(notice.data).toEqual({
        epoch: (await status(server.url)).epoch,
        fault: 'drop',
        message: 'Drill: dropping the next 2 zone sync events',
      } satisfies DrillNotice);
    });

    test('a count is shared by every matching stream: the same events are dropped on each', async () => {
      const a1 = await tablet('pos tablet-A one');
      const a2 = await tablet('pos tablet-A two');
      const b = await tablet('pos tablet-B');
      const fault = await arm({ kind: 'drop', client: 'tablet-A', count: 1 });
      const tag = await write('tag', b);
      const zone = await write('zone', b);
      await a1.waitFor(isSync('zone', zone));
      await a2.waitFor(isSync('zone', zone));
      const expected = [
        'drill: Drill: dropping the next sync event',
        `drill: Drill: drop fault ${fault.id} ended`,
        `zone v${zone}`,
      ];
      expect(a1.story()).toEqual(expected);
      expect(a2.story()).toEqual(expected);
      expect(b.story()).toEqual([`tag v${tag}`, `zone v${zone}`]);
    });

    test('client may name a stream id; resource narrows to one type; DELETE ends it with a notice', async () => {
      const a = await tablet('pos tablet-A');
      const b = await tablet('pos tablet-B');
      const id = (await api.get<DrillState>('/api/drills')).body.streams
        .filter((s) => s.userAgent === 'pos tablet-A')
        .at(-1)!.id;
      const fault = await arm({ kind: 'drop', resource: 'tag', client: id });
      const z1 = await write('zone', b);
      const t1 = await write('tag', b);
      const z2 = await write('zone', b);
      await a.waitFor(isSync('zone', z2));
      const cleared = await api.del<Fault>(`/api/drills/faults/${fault.id}`);
      expect(cleared.status).toBe(200);
      expect(cleared.body).toEqual({ ...fault, hits: 1 });
      const t2 = await write('tag', b);
      await a.waitFor(isSync('tag', t2));
      expect(a.story()).toEqual([
        'drill: Drill: dropping tag sync events',
        `zone v${z1}`,
        `zone v${z2}`,
        `drill: Drill: drop fault ${fault.id} ended`,
        `tag v${t2}`,
      ]);
      expect(b.story()).toEqual([`zone v${z1}`, `tag v${t1}`, `zone v${z2}`, `tag v${t2}`]);
    });

    test('duplicate: each of the next 2 events reaches A 3 times back to back, with the same id', async () => {
      const a = await tablet('pos tablet-A');
      const b = await tablet('pos tablet-B');
      const fault = await arm({ kind: 'duplicate', client: 'tablet-A', count: 2 });
      const z1 = await write('zone', b);
      const t1 = await write('tag', b);
      await a.waitFor(isNotice(`Drill: duplicate fault ${fault.id} ended`));
      const z2 = await write('zone', b);
      await a.waitFor(isSync('zone', z2));
      expect(a.story()).toEqual([
        'drill: Drill: sending the next 2 sync events 3 times each',
        `zone v${z1}`,
        `zone v${z1}`,
        `zone v${z1}`,
        `tag v${t1}`,
        `tag v${t1}`,
        `tag v${t1}`,
        `drill: Drill: duplicate fault ${fault.id} ended`,
        `zone v${z2}`,
      ]);
      const ids = a.events.filter(isSync('zone', z1)).map((e) => e.id);
      expect(new Set(ids).size).toBe(1);
      expect(b.story()).toEqual([`zone v${z1}`, `tag v${t1}`, `zone v${z2}`]);
    });

    test('reorder: a full window goes newest first, a partial one after at most 1 s, a cleared one at once; every event exactly once', async () => {
      const a = await tablet('pos tablet-A');
      const b = await tablet('pos tablet-B');
      const fault = await arm({ kind: 'reorder', resource: 'zone', client: 'tablet-A' });
      expect(fault.window).toBe(3);
      const z = [await write('zone', b), await write('zone', b), await write('zone', b)];
      await a.waitFor(isSync('zone', z[0]!));
      // A partial window: the tag passes at once, the two zones come after the hold time.
      const started = Date.now();
      z.push(await write('zone', b), await write('zone', b));
      const tag = await write('tag', b);
      await a.waitFor(isSync('tag', tag));
      expect(a.events.some(isSync('zone', z[3]!))).toBe(false);
      await a.waitFor(isSync('zone', z[3]!));
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      // Clearing releases what is held at once, then says so.
      z.push(await write('zone', b));
      await sleep(50);
      expect(a.events.some(isSync('zone', z[5]!))).toBe(false);
      const cleared = await api.del<Fault>(`/api/drills/faults/${fault.id}`);
      expect(cleared.body.hits).toBe(6);
      await a.waitFor(isNotice(`Drill: reorder fault ${fault.id} ended`));
      z.push(await write('zone', b));
      await a.waitFor(isSync('zone', z[6]!));
      expect(a.story()).toEqual([
        'drill: Drill: reordering zone sync events, 3 at a time, newest first',
        `zone v${z[2]}`,
        `zone v${z[1]}`,
        `zone v${z[0]}`,
        `tag v${tag}`,
        `zone v${z[4]}`,
        `zone v${z[3]}`,
        `zone v${z[5]}`,
        `drill: Drill: reorder fault ${fault.id} ended`,
        `zone v${z[6]}`,
      ]);
      expect(b.story()).toEqual([
        ...z.slice(0, 5).map((v) => `zone v${v}`),
        `tag v${tag}`,
        ...z.slice(5).map((v) => `zone v${v}`),
      ]);
    });

    test('delay: the zone event reaches A after delayMs, the tag passes it; a used-up delay ends once delivered', async () => {
      const a = await tablet('pos tablet-A');
      const b = await tablet('pos tablet-B');
      const fault = await arm({
        kind: 'delay',
        resource: 'zone',
        client: 'tablet-A',
        delayMs: 400,
        count: 1,
      });
      expect(fault.delayMs).toBe(400);
      const started = Date.now();
      const zone = await write('zone', b);
      const tag = await write('tag', b);
      await a.waitFor(isSync('tag', tag));
      expect(a.events.some(isSync('zone', zone))).toBe(false);
      expect(await faults()).toEqual([{ ...fault, remaining: 0, hits: 1 }]);
      await a.waitFor(isNotice(`Drill: delay fault ${fault.id} ended`));
      expect(Date.now() - started).toBeGreaterThanOrEqual(380);
      const after = await write('zone', b);
      await a.waitFor(isSync('zone', after));
      expect(a.story()).toEqual([
        'drill: Drill: delaying the next zone sync event by 400 ms',
        `tag v${tag}`,
        `zone v${zone}`,
        `drill: Drill: delay fault ${fault.id} ended`,
        `zone v${after}`,
      ]);
      expect(b.story()).toEqual([`zone v${zone}`, `tag v${tag}`, `zone v${after}`]);
    });

    test('durationMs: the fault ends on time, with until set and a notice to every stream it matched', async () => {
      const a = await tablet('pos tablet-A');
      const b = await tablet('pos tablet-B');
      const fault = await arm({ kind: 'drop', resource: 'zone', durationMs: 300 });
      expect(Date.parse(fault.until!) - Date.parse(fault.createdAt)).toBe(300);
      const dropped = (await api.post<{ version: number }>('/api/zones', { name: 'Gone' })).body.version;
      await Promise.all([a, b].map((t) => t.waitFor(isNotice(`Drill: drop fault ${fault.id} ended`))));
      expect(await faults()).toEqual([]);
      const kept = await write('zone', b);
      await a.waitFor(isSync('zone', kept));
      for (const t of [a, b])
        expect(t.story()).toEqual([
          'drill: Drill: dropping zone sync events for 300 ms',
          `drill: Drill: drop fault ${fault.id} ended`,
          `zone v${kept}`,
        ]);
      expect(dropped).toBe(kept - 1);
    });

    test('a count with a duration says "within"; the brief example reads as written', async () => {
      const a = await tablet('pos tablet-A');
      await arm({ kind: 'drop', resource: 'product', count: 5 });
      await arm({ kind: 'drop', resource: 'product', count: 5, durationMs: 10_000 });
      await a.waitFor((e) => e.event === 'drill', 2);
      expect(a.story()).toEqual([
        'drill: Drill: dropping the next 5 product sync events',
        'drill: Drill: dropping the next 5 product sync events within 10 s',
      ]);
    });
  });

  describe('heartbeats', () => {
    test('stall_heartbeats for a duration: none reach A while armed, B keeps beating, resource is ignored', async () => {
      const a = await tablet('pos tablet-A');
      const b = await tablet('pos tablet-B');
      const fault = await arm({
        kind: 'stall_heartbeats',
        client: 'tablet-A',
        resource: 'zone',
        durationMs: 600,
      });
      expect(fault.resource).toBeNull();
      const [armed] = await a.waitFor(isNotice('Drill: heartbeats stalled for 600 ms'));
      const bFrom = b.events.length;
      const [ended] = await a.waitFor(isNotice(`Drill: stall_heartbeats fault ${fault.id} ended`));
      const bTo = b.events.length;
      const during = a.events.slice(a.events.indexOf(armed!) + 1, a.events.indexOf(ended!));
      expect(during.filter((e) => e.event === 'heartbeat')).toEqual([]);
      expect(b.events.slice(bFrom, bTo).filter((e) => e.event === 'heartbeat').length).toBeGreaterThanOrEqual(
        3,
      );
      const from = a.events.length;
      const [beat] = await a.waitFor((e) => e.event === 'heartbeat' && a.events.indexOf(e) >= from);
      expect(beat!.data).toEqual({
        epoch: (await status(server.url)).epoch,
        versions: (await status(server.url)).versions,
      } satisfies HeartbeatEvent);
      expect(b.story()).toEqual([]);
    });

    test('stall_heartbeats with a count withholds exactly that many heartbeats', async () => {
      const a = await tablet('pos tablet-A');
      await tablet('pos tablet-B');
      const fault = await arm({ kind: 'stall_heartbeats', client: 'tablet-A', count: 2 });
      const [armed] = await a.waitFor(isNotice('Drill: withholding the next 2 heartbeats'));
      const [ended] = await a.waitFor(isNotice(`Drill: stall_heartbeats fault ${fault.id} ended`));
      const gap = a.events.slice(a.events.indexOf(armed!) + 1, a.events.indexOf(ended!));
      expect(gap.filter((e) => e.event === 'heartbeat')).toEqual([]);
      await a.waitFor((e) => e.event === 'heartbeat' && a.events.indexOf(e) > a.events.indexOf(ended!));
    });
  });

  describe('too_old', () => {
    test('a matching catch-up answers 410 too_old with drill: true; others and later ones are served', async () => {
      const a = await tablet('pos tablet-A');
      const b = await tablet('pos tablet-B');
      const fault = await arm({ kind: 'too_old', resource: 'product', client: 'tablet-A', count: 1 });
      const changes = (resource: string, ua: string) =>
        api.get<ChangesResponse>(`/api/sync/changes?resource=${resource}&since=0`, {
          headers: { 'user-agent': ua },
        });
      expect((await changes('product', 'pos tablet-B')).status).toBe(200);
      expect((await changes('zone', 'pos tablet-A')).status).toBe(200);
      const refused = await changes('product', 'pos tablet-A');
      expect(refused.status).toBe(410);
      expect(refused.body).toEqual({
        error: {
          code: 'too_old',
          message: `Drill: fault ${fault.id} answers this catch-up with too_old`,
          details: { drill: true, fault: fault.id },
        },
      });
      const served = await changes('product', 'pos tablet-A');
      expect(served.status).toBe(200);
      expect(served.body.changes.length).toBe(served.body.version);
      await a.waitFor(isNotice(`Drill: too_old fault ${fault.id} ended`));
      expect(a.story()).toEqual([
        'drill: Drill: answering the next product catch-up with 410 too_old',
        `drill: Drill: too_old fault ${fault.id} ended`,
      ]);
      expect(b.story()).toEqual([]);
      expect(await faults()).toEqual([]);
    });

    test('a matching resume gets reset too_old instead of its replay; others resume normally', async () => {
      const b = await tablet('pos tablet-B');
      await write('zone', b);
      const from = b.events.filter((e) => e.event === 'sync').at(-1)!.id!;
      const missed = await write('tag', b);
      const fault = await arm({ kind: 'too_old', client: 'tablet-A', count: 1 });
      expect(fault.resource).toBeNull();
      const refused = await tablet('pos tablet-A', from);
      const resumed = await tablet('pos tablet-B', from);
      await resumed.waitFor(isSync('tag', missed));
      expect(refused.story()).toEqual(['reset too_old']);
      expect(refused.events.filter((e) => e.event !== 'heartbeat').map((e) => e.event)).toEqual([
        'hello',
        'reset',
      ]);
      expect(resumed.story()).toEqual([`tag v${missed}`]);
      expect(await faults()).toEqual([]);
      // Used up: the next resume replays.
      const again = await tablet('pos tablet-A', from);
      await again.waitFor(isSync('tag', missed));
      expect(again.story()).toEqual([`tag v${missed}`]);
    });

    test('a too_old fault narrowed to a type leaves resumes alone', async () => {
      const b = await tablet('pos tablet-B');
      await write('zone', b);
      const from = b.events.filter((e) => e.event === 'sync').at(-1)!.id!;
      const missed = await write('zone', b);
      await arm({ kind: 'too_old', resource: 'zone' });
      const resumed = await tablet('pos tablet-A', from);
      await resumed.waitFor(isSync('zone', missed));
      expect(resumed.story()).toEqual([`zone v${missed}`]);
    });
  });

  describe('cut', () => {
    test("cut { client } ends that client's stream after a notice; it resumes with Last-Event-ID", async () => {
      const a = await tablet('pos tablet-A');
      const b = await tablet('pos tablet-B');
      const seen = await write('zone', b);
      await a.waitFor(isSync('zone', seen));
      const last = a.events.filter((e) => e.event === 'sync').at(-1)!.id!;
      const answer = await api.post('/api/drills/cut', { client: 'tablet-A' });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ cut: 1 });
      await a.closed;
      expect(a.ended()).toBe(true);
      expect(a.events.at(-1)).toEqual({
        event: 'drill',
        id: undefined,
        data: { epoch: (await status(server.url)).epoch, fault: 'cut', message: 'Drill: stream cut' },
      });
      const missed = await write('zone', b);
      const back = await tablet('pos tablet-A', last);
      await back.waitFor(isSync('zone', missed));
      expect(back.story()).toEqual([`zone v${missed}`]);
      expect(b.ended()).toBe(false);
      expect(b.story()).toEqual([`zone v${seen}`, `zone v${missed}`]);
    });

    test('cut {} ends every stream', async () => {
      const a = await tablet('pos tablet-A');
      const b = await tablet('pos tablet-B');
      const open = (await api.get<DrillState>('/api/drills')).body.streams.length;
      expect((await api.post('/api/drills/cut', {})).body).toEqual({ cut: open });
      await Promise.all([a.closed, b.closed]);
      for (const t of [a, b]) expect(t.story()).toEqual(['drill: Drill: stream cut']);
      expect((await api.get<DrillState>('/api/drills')).body.streams).toEqual([]);
    });
  });

  test('faults never break unmatched streams, and every event reaches them once, in order', async () => {
    const b = await tablet('pos tablet-B');
    const a = await tablet('pos tablet-A');
    await arm({ kind: 'drop', client: 'tablet-A', resource: 'tag' });
    await arm({ kind: 'duplicate', client: 'tablet-A', resource: 'zone', copies: 2 });
    await arm({ kind: 'reorder', client: 'tablet-A', window: 2 });
    await arm({ kind: 'delay', client: 'tablet-A', delayMs: 50 });
    const versions = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2
          ? api.post<{ version: number }>('/api/zones', { name: `Burst ${i}` })
          : api.post<{ version: number }>('/api/tags', { name: `Burst ${i}`, color: '#101010' }),
      ),
    );
    const zones = versions.filter((_, i) => i % 2).map((v) => v.body.version);
    const tags = versions.filter((_, i) => i % 2 === 0).map((v) => v.body.version);
    await b.waitFor((e) => e.event === 'sync', 20);
    const seqs = b.events.filter((e) => e.event === 'sync').map((e) => Number(e.id!.split('/')[1]));
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(20);
    expect(
      b
        .story()
        .filter((l) => l.startsWith('zone'))
        .sort(),
    ).toEqual(zones.map((v) => `zone v${v}`).sort());
    expect(
      b
        .story()
        .filter((l) => l.startsWith('tag'))
        .sort(),
    ).toEqual(tags.map((v) => `tag v${v}`).sort());
    expect(b.story().every((l) => !l.startsWith('drill'))).toBe(true);
    // A: no tags, each zone twice; after clearing, a new event arrives exactly once.
    await a.waitFor((e) => e.event === 'sync', 20, 5000);
    expect((await api.del<{ cleared: number }>('/api/drills/faults')).body).toEqual({ cleared: 4 });
    const z = await write('zone', b);
    await a.waitFor(isSync('zone', z));
    const aSync = a.story().filter((l) => !l.startsWith('drill'));
    expect(aSync.filter((l) => l.startsWith('tag'))).toEqual([]);
    expect(aSync.slice(0, -1).sort()).toEqual(zones.flatMap((v) => [`zone v${v}`, `zone v${v}`]).sort());
    expect(aSync.at(-1)).toBe(`zone v${z}`);
  });
});

describe.each(STORAGE_KINDS)('rotate-epoch and wipe on %s', (kind) => {
  let server: InProcessServer;
  const tablets: Tablet[] = [];
  beforeAll(async () => {
    server = await startInProcessServer({
      storage: kind,
      config: { drills: true, heartbeatMs: HEARTBEAT_MS, adminPin: '1234' },
    });
  });
  afterAll(async () => {
    for (const t of tablets) t.close();
    await server.stop();
  });

  async function tablet(token: string, userAgent: string, lastEventId?: string): Promise<Tablet> {
    const t = await openTablet(server.url, token, userAgent, lastEventId);
    tablets.push(t);
    if (t.status === 200) await t.waitFor((e) => e.event === 'hello');
    return t;
  }

  if (kind === 'postgres') {
    test("both answer 409 drill_unsupported and change nothing: the epoch is the deployment's", async () => {
      const token = await server.login();
      const api = client(server.url, token);
      const before = await status(server.url);
      const a = await tablet(token, 'pos tablet-A');
      const rotate = await api.post('/api/drills/rotate-epoch', {});
      expect(rotate.status).toBe(409);
      expect(errorOf(rotate).code).toBe('drill_unsupported');
      expect(errorOf(rotate).message).toBe(
        "drill rotate-epoch works on SQLite only: on PostgreSQL the epoch is the deployment's, shared by every instance; run server/tools/rotate-epoch.ts; the instances then restart",
      );
      const wipe = await api.post('/api/drills/wipe', {});
      expect(wipe.status).toBe(409);
      expect(errorOf(wipe).code).toBe('drill_unsupported');
      expect(errorOf(wipe).message).toContain('drill wipe works on SQLite only');
      await expect(server.drillHooks.wipe()).rejects.toMatchObject({ code: 'drill_unsupported' });
      expect(await status(server.url)).toEqual(before);
      expect((await api.get('/api/products')).status).toBe(200);
      await sleep(2 * HEARTBEAT_MS);
      expect(a.ended()).toBe(false);
      expect(a.story()).toEqual([]);
    });
    return;
  }

  test('rotate-epoch: a new epoch everywhere at once; streams end; old ids reset with epoch_changed', async () => {
    const token = await server.login();
    const api = client(server.url, token);
    const previous = (await status(server.url)).epoch;
    const a = await tablet(token, 'pos tablet-A');
    const made = await api.post<{ version: number }>('/api/zones', { name: 'Before' });
    const [seen] = await a.waitFor(isSync('zone', made.body.version));

    const answer = await api.post('/api/drills/rotate-epoch', {});
    expect(answer.status).toBe(200);
    const { epoch } = answer.body as { epoch: string };
    expect(answer.body).toEqual({ previous, epoch: expect.stringMatching(UUID) });
    expect(epoch).not.toBe(previous);

    await a.closed;
    expect(a.events.at(-1)).toEqual({
      event: 'drill',
      id: undefined,
      data: { epoch: previous, fault: 'rotate_epoch', message: 'Drill: epoch rotated' },
    });
    expect((await call(server.url, 'GET', '/api/health')).body).toEqual({ ok: true, epoch });
    expect((await status(server.url)).epoch).toBe(epoch);
    expect((await api.get<Snapshot>('/api/zones')).body.epoch).toBe(epoch);
    expect((await api.get<DrillState>('/api/drills')).body.epoch).toBe(epoch);
    const stale = await api.get(`/api/sync/changes?resource=zone&since=0&epoch=${previous}`);
    expect(stale.status).toBe(409);
    expect(errorOf(stale)).toMatchObject({ code: 'epoch_mismatch', details: { epoch } });
    const fresh = await api.get<ChangesResponse>(`/api/sync/changes?resource=zone&since=0&epoch=${epoch}`);
    expect(fresh.status).toBe(200);
    expect(fresh.body.changes.every((c) => c.epoch === epoch)).toBe(true);

    const back = await tablet(token, 'pos tablet-A', seen!.id);
    expect(back.events[0]!.data).toMatchObject({ epoch, heartbeatMs: HEARTBEAT_MS });
    expect(back.events[1]).toEqual({
      event: 'reset',
      id: undefined,
      data: { epoch, reason: 'epoch_changed' },
    });
    const next = await api.post<{ version: number }>('/api/zones', { name: 'After' });
    const [event] = await back.waitFor(isSync('zone', next.body.version));
    expect(event!.id).toMatch(new RegExp(`^${epoch}/\\d+$`));
    expect((event!.data as SyncEvent).epoch).toBe(epoch);
    const [beat] = await back.waitFor((e) => e.event === 'heartbeat');
    expect((beat!.data as HeartbeatEvent).epoch).toBe(epoch);
  });

  test('wipe: 503 while it runs, then a fresh seed under a new epoch; sessions gone, PINs new, seqs keep rising', async () => {
    const token = await server.login();
    const api = client(server.url, token);
    const fresh = await startInProcessServer({ seed: true });
    const seeded = await status(fresh.url);
    await fresh.stop();
    await api.post('/api/zones', { name: 'Extra' });
    await api.post(
      '/api/tags',
      { name: 'Extra', color: '#000000' },
      { headers: { 'idempotency-key': 'k1' } },
    );
    const before = await status(server.url);
    const lastSeq = (await server.sql<{ last_seq: number }>('SELECT last_seq FROM log_state'))[0]!.last_seq;
    const a = await tablet(token, 'pos tablet-A');
    const [hello] = a.events.filter((e) => e.event === 'hello');
    const oldId = `${before.epoch}/${lastSeq}`;

    // Hold the wipe inside storage (its drill hook) to see what everyone else gets meanwhile.
    let entered = false;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const wipe = server.drillHooks.wipe.bind(server.drillHooks);
    server.drillHooks.wipe = async () => {
      entered = true;
      await gate;
      return wipe();
    };
    const answer = api.post<WipeResponse>('/api/drills/wipe', {});
    await untilTrue(() => entered);
    for (const path of ['/api/sync/status', '/api/health', '/api/products', '/api/drills']) {
      const busy = await api.get(path);
      expect(busy.status, path).toBe(503);
      expect(busy.body).toEqual({
        error: { code: 'unavailable', message: 'drill wipe in progress; retry shortly', details: null },
      });
    }
    const refused = await openTablet(server.url, token, 'pos tablet-C');
    expect(refused.status).toBe(503);
    release();
    const wiped = await answer;
    server.drillHooks.wipe = wipe;

    expect(wiped.status).toBe(200);
    const { epoch, staff } = wiped.body;
    expect(epoch).toMatch(UUID);
    expect(epoch).not.toBe(before.epoch);
    expect(staff.map((s) => [s.name, s.role])).toEqual(STAFF.map(([name, role]) => [name, role]));
    expect(staff[0]!.pin).toBe('1234');
    for (const s of staff) {
      expect(s.pin).toMatch(/^\d{4,8}$/);
      expect(s.id).toMatch(UUID);
    }
    expect(new Set(staff.map((s) => s.pin)).size).toBe(staff.length);

    // The open stream was told, then ended.
    await a.closed;
    expect(a.events.at(-1)).toEqual({
      event: 'drill',
      id: undefined,
      data: { epoch: before.epoch, fault: 'wipe', message: 'Drill: database wiped and reseeded' },
    });
    expect((hello!.data as HelloEvent).epoch).toBe(before.epoch);

    // Sessions are gone; the manager's PIN still works, and so do the new ones.
    expect(errorOf(await api.get('/api/products')).code).toBe('not_signed_in');
    const manager = await loginAt(server.url, '1234');
    await loginAt(server.url, staff.find((s) => s.role === 'Waiter')!.pin);
    const api2 = client(server.url, manager);

    // A fresh install's versions and counts, new digests, all consistent with the collections.
    const after = await status(server.url);
    expect(after.epoch).toBe(epoch);
    expect(after.versions).toEqual(seeded.versions);
    expect(after.counts).toEqual(seeded.counts);
    for (const r of RESOURCE_NAMES) {
      expect(after.digests[r]).not.toBe(before.digests[r]);
      const snapshot = (await api2.get<Snapshot>(RESOURCES[r].collection)).body;
      expect(snapshot.epoch).toBe(epoch);
      expect(snapshot.version).toBe(after.versions[r]);
      expect(snapshot.digest).toBe(after.digests[r]);
      expect(digestOf(snapshot.items)).toBe(after.digests[r]);
      expect(snapshot.items.length).toBe(after.counts[r]);
    }

    // The log holds only the reseed, above every seq handed out before; nothing else survived.
    const total = RESOURCE_NAMES.reduce((n, r) => n + after.counts[r], 0);
    const [log] = await server.sql<{ n: number; lo: number; hi: number }>(
      'SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM changes',
    );
    expect(log).toEqual({ n: total, lo: lastSeq + 1, hi: lastSeq + total });
    expect(await server.sql('SELECT last_seq, pruned_seq FROM log_state')).toEqual([
      { last_seq: lastSeq + total, pruned_seq: lastSeq },
    ]);
    expect(await server.sql('SELECT count(*) AS n FROM idempotency')).toEqual([{ n: 0 }]);
    expect(await server.sql('SELECT count(*) AS n FROM sessions')).toEqual([{ n: 2 }]);
    expect(await server.sql('SELECT count(*) AS n FROM employee_pins')).toEqual([{ n: staff.length }]);

    // Streams: hello and heartbeats report the new state; an old event id resets.
    const b = await tablet(manager, 'pos tablet-B', oldId);
    expect(b.events[0]!.data).toEqual({
      epoch,
      versions: after.versions,
      digests: after.digests,
      heartbeatMs: HEARTBEAT_MS,
    } satisfies HelloEvent);
    expect(b.events[1]!.data).toEqual({ epoch, reason: 'epoch_changed' });
    const [beat] = await b.waitFor((e) => e.event === 'heartbeat');
    expect(beat!.data).toEqual({ epoch, versions: after.versions } satisfies HeartbeatEvent);
    const made = await api2.post<{ version: number }>('/api/zones', { name: 'After the wipe' });
    expect(made.body.version).toBe(after.versions.zone + 1);
    const [event] = await b.waitFor(isSync('zone', made.body.version));
    expect(event!.id).toBe(`${epoch}/${lastSeq + total + 1}`);
  });
});

test('closing the app releases held events and timers: it stops at once with faults armed', async () => {
  const server = await startInProcessServer({ config: { drills: true, heartbeatMs: HEARTBEAT_MS } });
  const token = await server.login();
  const api = client(server.url, token);
  const a = await openTablet(server.url, token, 'pos tablet-A');
  await a.waitFor((e) => e.event === 'hello');
  await api.post('/api/drills/faults', { kind: 'delay', delayMs: 60_000, durationMs: 3_600_000 });
  await api.post('/api/drills/faults', { kind: 'reorder', resource: 'tag', window: 100 });
  await api.post('/api/drills/faults', { kind: 'stall_heartbeats' });
  await api.post('/api/zones', { name: 'Held' });
  await api.post('/api/tags', { name: 'Held', color: '#000000' });
  const started = Date.now();
  await server.stop();
  await a.closed;
  expect(Date.now() - started).toBeLessThan(2000);
  // The held zone and tag never arrive: the stream ended with them still held.
  expect(a.story()).toEqual([
    'drill: Drill: delaying sync events by 60 s for 3600 s',
    'drill: Drill: reordering tag sync events, 100 at a time, newest first',
    'drill: Drill: heartbeats stalled',
  ]);
});
