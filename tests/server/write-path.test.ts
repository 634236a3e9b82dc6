/**
 * The hot write path: sessions served from memory must still end or change at once
 * (logout, an employee deactivated, deleted or moved to another role, a role's
 * permissions changed), and writes that commit together (SQLite's group commit) must
 * each stay all-or-nothing: a failing write takes nothing else with it, and every
 * committed one gets its own version, change and idempotency answer.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiError } from '../../server/errors';
import type { Change, Storage, UpdateRequest, WriteRequest, WriteResult } from '../../server/storage/types';
import { digestOf } from '../../src/shared/digest';
import type { Snapshot } from '../../src/shared/protocol';
import type { Item } from '../../src/shared/resources';
import {
  type InProcessServer,
  openTestStorage,
  STORAGE_KINDS,
  startInProcessServer,
} from '../helpers/server';
import { type Client, client } from './support';

const zone = (id: string, name = id): WriteRequest => ({
  resource: 'zone',
  id,
  actor: 't',
  action: 'create',
  fields: { name, sortOrder: 0 },
});

type Settled = { ok: true; value: WriteResult } | { ok: false; error: unknown };

/** Starts every write in the same tick (so SQLite commits them as one group) and settles them all. */
async function together(storage: Storage, requests: WriteRequest[]): Promise<Settled[]> {
  const started = requests.map((r) => storage.write(r));
  return Promise.all(
    started.map((p) =>
      p.then(
        (value): Settled => ({ ok: true, value }),
        (error): Settled => ({ ok: false, error }),
      ),
    ),
  );
}

describe.each(STORAGE_KINDS)('on %s', (kind) => {
  describe('sessions served from memory end and change at once', () => {
    let server: InProcessServer;
    let manager: Client;
    let waiterRoleId: string;
    let n = 0;

    beforeAll(async () => {
      server = await startInProcessServer({ storage: kind });
      manager = client(server.url, await server.login());
      const roles = (await manager.get<Snapshot<'role'>>('/api/roles')).body.items;
      waiterRoleId = roles.find((r) => r.name === 'Waiter')!.id;
    });
    afterAll(() => server.stop());

    /** A new employee on `roleId`, signed in, with their session used a few times (cached). */
    async function signedIn(roleId = waiterRoleId) {
      const pin = String(700_000 + ++n * 7);
      const person = (
        await manager.post<Item<'employee'>>('/api/employees', { name: `Cache ${n}`, roleId, pin })
      ).body;
      const api = client(server.url, await server.login(pin));
      for (let i = 0; i < 3; i++) expect((await api.get('/api/zones')).status).toBe(200);
      return { person, api, pin };
    }

    test('logout ends that session for the very next request; the employee’s other session lives on', async () => {
      const { api, pin } = await signedIn();
      const other = client(server.url, await server.login(pin));
      expect((await other.get('/api/zones')).status).toBe(200);
      expect((await api.post('/api/auth/logout')).status).toBe(200);
      expect((await api.get('/api/zones')).status).toBe(401);
      expect((await other.get('/api/zones')).status).toBe(200);
    });

    test('an employee set inactive is 401 on the next request, reads and writes alike', async () => {
      const manage = (
        await manager.post<Item<'role'>>('/api/roles', { name: 'Cache zones', permissions: ['zone.write'] })
      ).body;
      const { person, api } = await signedIn(manage.id);
      expect((await api.post('/api/zones', { name: 'Patio 1', sortOrder: 0 })).status).toBe(201);
      expect((await manager.patch(`/api/employees/${person.id}`, { active: false })).status).toBe(200);
      expect((await api.get('/api/zones')).status).toBe(401);
      expect((await api.post('/api/zones', { name: 'Patio 2', sortOrder: 0 })).status).toBe(401);
    });

    test('a deleted employee’s sessions stop working at once and are gone from the database', async () => {
      const { person, api } = await signedIn();
      expect((await manager.del(`/api/employees/${person.id}`)).status).toBe(200);
      expect((await api.get('/api/zones')).status).toBe(401);
      expect(
        await server.sql<{ n: number }>('SELECT count(*) AS n FROM sessions WHERE employee_id = ?', [
          person.id,
        ]),
      ).toEqual([{ n: kind === 'postgres' ? '0' : 0 }]); // count(*) is a bigint, a string, on PostgreSQL
    });

    test('a permission taken from a role is refused on the next request, and given back at once', async () => {
      const role = (
        await manager.post<Item<'role'>>('/api/roles', { name: 'Cache tags', permissions: ['tag.write'] })
      ).body;
      const { api } = await signedIn(role.id);
      expect((await api.post('/api/tags', { name: 'c1', color: '#111111' })).status).toBe(201);
      await manager.patch(`/api/roles/${role.id}`, { permissions: [] });
      expect((await api.post('/api/tags', { name: 'c2', color: '#111111' })).status).toBe(403);
      expect((await api.get<{ permissions: string[] }>('/api/auth/me')).body.permissions).toEqual([]);
      await manager.patch(`/api/roles/${role.id}`, { permissions: ['tag.write'] });
      expect((await api.post('/api/tags', { name: 'c3', color: '#111111' })).status).toBe(201);
    });

    test('moving an employee to another role changes what they may do on the next request', async () => {
      const tags = (
        await manager.post<Item<'role'>>('/api/roles', { name: 'Cache move', permissions: ['tag.write'] })
      ).body;
      const { person, api } = await signedIn(waiterRoleId);
      expect((await api.post('/api/tags', { name: 'm1', color: '#222222' })).status).toBe(403);
      await manager.patch(`/api/employees/${person.id}`, { roleId: tags.id });
      expect((await api.post('/api/tags', { name: 'm2', color: '#222222' })).status).toBe(201);
      expect((await api.get<{ employee: Item<'employee'> }>('/api/auth/me')).body.employee.roleId).toBe(
        tags.id,
      );
    });

    test('the sliding expiry is written back at most once per tenth of the TTL, not on every request', async () => {
      const short = await startInProcessServer({ storage: kind, config: { sessionTtlMs: 60_000 } });
      try {
        const token = await short.login();
        const api = client(short.url, token);
        const stored = async () =>
          Number((await short.sql<{ e: number }>('SELECT expires_at AS e FROM sessions'))[0]!.e);
        const first = await stored();
        for (let i = 0; i < 5; i++) expect((await api.get('/api/zones')).status).toBe(200);
        expect(await stored()).toBe(first); // used within 6 s of sign-in: not rewritten
        const me = (await api.get<{ expiresAt: string }>('/api/auth/me')).body;
        expect(Date.parse(me.expiresAt)).toBe(first);
      } finally {
        await short.stop();
      }
    });
  });
});

describe.skipIf(!STORAGE_KINDS.includes('sqlite'))('SQLite group commit: writes committed together', () => {
  const kind = 'sqlite' as const;
  test('a failing write takes nothing else with it; each committed write gets its own version', async () => {
    const storage = await openTestStorage(kind);
    const heard: Change[] = [];
    storage.onCommit((changes) => heard.push(...changes));
    await storage.write(zone('z0'));
    const results = await together(storage, [
      zone('z1'),
      zone('z0'), // already exists
      {
        resource: 'dining_table',
        id: 't1',
        actor: 't',
        action: 'create',
        fields: { name: 'T1', zoneId: 'missing', seats: 2, shape: 'round', x: 0, y: 0 },
      },
      zone('z2'),
      {
        resource: 'zone',
        id: 'z2',
        actor: 't',
        action: 'update',
        merge: () => {
          throw new Error('a bug in a merge');
        },
      },
      {
        resource: 'dining_table',
        id: 't2',
        actor: 't',
        action: 'create',
        fields: { name: 'T2', zoneId: 'z1', seats: 4, shape: 'square', x: 0, y: 0 },
      },
    ]);
    expect(results.map((r) => (r.ok ? r.value.status : ((r.error as ApiError).code ?? 'error')))).toEqual([
      201,
      'already_exists',
      'invalid_reference',
      201,
      'error',
      201,
    ]);
    expect(results[2]!.ok ? null : results[2]!.error).toBeInstanceOf(ApiError);
    const ok = results.flatMap((r) => (r.ok ? [r.value] : []));
    expect(ok.map((r) => [r.change!.resource, r.change!.version])).toEqual([
      ['zone', 2],
      ['zone', 3],
      ['dining_table', 1],
    ]);
    const status = await storage.status();
    expect(status.versions).toMatchObject({ zone: 3, dining_table: 1 });
    expect(status.counts).toMatchObject({ zone: 3, dining_table: 1 });
    const zones = await storage.list('zone');
    expect(zones.items.map((z) => z.id)).toEqual(['z0', 'z1', 'z2']);
    expect(zones.digest).toBe(digestOf(zones.items));
    // Every committed change was heard once, in seq order, and no failed one.
    await expect.poll(() => heard.length).toBe(4);
    expect(heard.map((c) => c.seq)).toEqual([...heard.map((c) => c.seq)].sort((a, b) => a - b));
    expect(heard.map((c) => c.id)).toEqual(['z0', 'z1', 'z2', 't2']);
    expect((await storage.changes('zone', 0)).changes.map((c) => c.version)).toEqual([1, 2, 3]);
    await storage.close();
  });

  test('writes to one item in one group see each other in order: If-Match and Idempotency-Key', async () => {
    const storage = await openTestStorage(kind);
    await storage.write(zone('z1', 'Bar'));
    const rename = (
      name: string,
      extra: Pick<UpdateRequest, 'ifMatch' | 'idempotency'> = {},
    ): WriteRequest => ({
      resource: 'zone',
      id: 'z1',
      actor: 't',
      action: 'update',
      merge: (cur) => ({ ...cur, name }),
      ...extra,
    });
    const key = { key: 'k-1', fingerprint: 'f-1' };
    const results = await together(storage, [
      rename('Terrace', { ifMatch: 1 }),
      rename('Garden', { ifMatch: 1 }), // the first one moved the item on
      rename('Hall', { idempotency: key }),
      rename('Hall', { idempotency: key }), // the retry: replays, changes nothing
      rename('Lobby', { idempotency: { key: 'k-1', fingerprint: 'other' } }),
    ]);
    const summary = results.map((r) =>
      r.ok ? [r.value.status, r.value.change?.version ?? 'replayed'] : (r.error as ApiError).code,
    );
    expect(summary).toEqual([
      [200, 2],
      'precondition_failed',
      [200, 3],
      [200, 'replayed'],
      'idempotency_key_reused',
    ]);
    expect(results[3]!.ok && results[3]!.value.body).toEqual(results[2]!.ok && results[2]!.value.body);
    const item = await storage.get('zone', 'z1');
    expect(item).toMatchObject({ name: 'Hall', version: 3 });
    // The stored answer outlives the group: a later retry replays it too.
    expect(await storage.findAnswer('t', key)).toEqual({ status: 200, body: item });
    await storage.close();
  });

  test('writes started in the same tick share one transaction: one commit, one notification', async () => {
    const storage = await openTestStorage(kind);
    const batches: number[] = [];
    storage.onCommit((changes) => batches.push(changes.length));
    const ids = Array.from({ length: 20 }, (_, i) => `g${i}`);
    const results = await together(storage, [...ids.map((id) => zone(id)), zone('g3')]);
    expect(results.filter((r) => r.ok)).toHaveLength(20);
    expect(batches).toEqual([20]);
    // The next tick's writes form the next group.
    await together(storage, [zone('h1'), zone('h2')]);
    expect(batches).toEqual([20, 2]);
    expect((await storage.status()).versions.zone).toBe(22);
    await storage.close();
  });
});
