/**
 * Two real server processes on one PostgreSQL database, as behind a load balancer: every
 * SSE client of either instance hears every change exactly once, in order, with
 * contiguous versions, whichever instance committed it; and the clients of an instance
 * that dies mid-stream resume on the other with Last-Event-ID, losing and repeating nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ChangesResponse, parseEventId, type Snapshot, type SyncEvent } from '../../src/shared/protocol';
import { type Item, RESOURCE_NAMES, type ResourceName } from '../../src/shared/resources';
import { startServer, type TestServer } from '../helpers/server';
import { untilTrue } from '../helpers/wait';
import { type Client, client, openStream, type SseEvent, type Stream, status } from './support';

let a: TestServer;
let b: TestServer;
let token: string;
let categoryId: string;

beforeAll(async () => {
  a = await startServer({ storage: 'postgres', env: { RED_CORAL_HEARTBEAT_MS: '500' } });
  b = await startServer({ databaseUrl: a.databaseUrl!, env: { RED_CORAL_HEARTBEAT_MS: '500' } });
  // Sessions live in the database: a token from one instance is good on the other.
  token = await a.login();
  categoryId = ((await client(b.url, token).get<Snapshot>('/api/categories')).body.items[0] as Item).id;
});
afterAll(async () => {
  await Promise.all([a.stop(), b.stop()]);
});

const isSync = (e: SseEvent) => e.event === 'sync';
const seqOf = (e: SseEvent) => parseEventId(e.id!)!.seq;

/** A write of one of three types, alternating, so events interleave across types. */
function writeNumber(api: Client, n: number) {
  if (n % 3 === 0) return api.post<Item>('/api/zones', { name: `Zone ${n}` });
  if (n % 3 === 1) return api.post<Item>('/api/tags', { name: `Tag ${n}`, color: '#445566' });
  return api.post<Item>('/api/products', { name: `Dish ${n}`, categoryId, priceCents: 100 + n });
}

/** Every change since `since`, per type, from the log: what each client must have heard. */
async function logSince(server: TestServer, since: Record<ResourceName, number>) {
  const api = client(server.url, token);
  const out = new Map<ResourceName, SyncEvent[]>();
  for (const r of RESOURCE_NAMES)
    out.set(
      r,
      (await api.get<ChangesResponse>(`/api/sync/changes?resource=${r}&since=${since[r]}`)).body.changes,
    );
  return out;
}

/** Checks one client's events: unique, seq-ordered, each type contiguous, equal to the log. */
function expectExactlyTheLog(events: SseEvent[], log: Map<ResourceName, SyncEvent[]>) {
  const seqs = events.map(seqOf);
  expect(new Set(seqs).size).toBe(seqs.length);
  expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
  for (const r of RESOURCE_NAMES) {
    const heard = events.map((e) => e.data as SyncEvent).filter((d) => d.resource === r);
    expect(heard).toEqual(log.get(r));
  }
}

describe('two instances on one database', () => {
  test('they share the epoch and the state, and only the first seeded', async () => {
    expect(await b.epoch()).toBe(await a.epoch());
    expect(await status(b.url)).toEqual(await status(a.url));
    expect(a.output()).toContain('Demo restaurant created');
    expect(b.output()).not.toContain('Demo restaurant created');
  });

  test("concurrent writes through both: each instance's clients hear every change once, in order", async () => {
    const streams: Stream[] = await Promise.all([a, a, b, b].map((s) => openStream(s.url, token)));
    await Promise.all(streams.map((s) => s.waitFor((e) => e.event === 'hello')));
    const before = await status(a.url);
    const apis = [client(a.url, token), client(b.url, token)];
    const answers = await Promise.all(Array.from({ length: 120 }, (_, n) => writeNumber(apis[n % 2]!, n)));
    expect(answers.map((r) => r.status)).toEqual(Array(120).fill(201));

    const heard = await Promise.all(streams.map((s) => s.waitFor(isSync, 120, 15_000)));
    // wait-ok: an observation window; a duplicate sent late would show up in it.
    await new Promise((r) => setTimeout(r, 300));
    for (const s of streams) s.close();
    const log = await logSince(b, before.versions);
    expect([...log.values()].flat()).toHaveLength(120);
    for (const [i, s] of streams.entries()) {
      expect(s.events.filter(isSync)).toHaveLength(120);
      expectExactlyTheLog(heard[i]!, log);
    }
    // Both instances frame each change identically: same id, same data.
    for (const events of heard.slice(1)) expect(events).toEqual(heard[0]);
    expect(await status(a.url)).toEqual(await status(b.url));
  });

  test('an instance killed mid-stream: its client resumes on the other with Last-Event-ID, no loss, no duplicate', async () => {
    const before = await status(b.url);
    const onA = await openStream(a.url, token);
    await onA.waitFor((e) => e.event === 'hello');
    const apis = [client(a.url, token), client(b.url, token)];

    // Writers keep going through both instances; writes to the dead one just fail.
    let stop = false;
    const writers = [0, 1, 2].map(async (w) => {
      for (let n = w; !stop && n < 3000; n += 3) await writeNumber(apis[n % 2]!, n).catch(() => undefined);
    });
    await onA.waitFor(isSync, 20, 10_000);
    await a.kill();
    await onA.closed;
    const first = onA.events.filter(isSync);
    // Let the client miss a few while it is away, so the resume has something to replay.
    const committed = async () => {
      const now = await status(b.url);
      return RESOURCE_NAMES.reduce((sum, r) => sum + now.versions[r] - before.versions[r], 0);
    };
    await untilTrue(
      async () => (await committed()) >= first.length + 10,
      'ten writes while the client is away',
    );
    const resumed = await openStream(b.url, token, { lastEventId: first[first.length - 1]!.id });
    await resumed.waitFor(isSync, 20, 10_000);
    stop = true;
    await Promise.all(writers);

    const log = await logSince(b, before.versions);
    const total = [...log.values()].flat().length;
    const rest = await resumed.waitFor(isSync, total - first.length, 10_000);
    // wait-ok: an observation window; a duplicate sent late would show up in it.
    await new Promise((r) => setTimeout(r, 300));
    resumed.close();
    expect(resumed.events.filter((e) => e.event === 'reset')).toEqual([]);
    expect(resumed.events.filter(isSync)).toHaveLength(total - first.length);
    expectExactlyTheLog([...first, ...rest], log);
  });
});
