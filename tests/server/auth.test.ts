/**
 * PIN sign-in, sessions by cookie or bearer token, permissions from roles, lockout after
 * wrong PINs, and PINs that never leave the server in any form.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LoginResponse, Snapshot } from '../../src/shared/protocol';
import { type Item, PERMISSIONS } from '../../src/shared/resources';
import { type InProcessServer, STORAGE_KINDS, startInProcessServer } from '../helpers/server';
import { type Client, call, client, errorOf, openStream, status } from './support';

describe.each(STORAGE_KINDS)('on %s', (kind) => {
  let server: InProcessServer;
  let manager: Client;
  let waiterRoleId: string;

  beforeAll(async () => {
    server = await startInProcessServer({
      storage: kind,
      config: { lockout: { maxFailures: 5, windowMs: 60_000, lockMs: 60_000 } },
    });
    manager = client(server.url, await server.login());
    const roles = (await manager.get<Snapshot<'role'>>('/api/roles')).body.items;
    waiterRoleId = roles.find((r) => r.name === 'Waiter')!.id;
  });
  afterAll(() => server.stop());

  const login = (pin: unknown, base = server.url) =>
    call<LoginResponse>(base, 'POST', '/api/auth/login', { body: { pin } });

  describe('POST /api/auth/login', () => {
    test('the right PIN signs in: token, employee, permissions, expiry and an HttpOnly cookie', async () => {
      const started = Date.now();
      const res = await login(server.adminPin);
      expect(res.status).toBe(200);
      const maria = server.staff[0]!;
      expect(res.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(res.body.employee).toEqual((await manager.get(`/api/employees/${maria.id}`)).body);
      expect(res.body.employee.name).toBe('Maria Lopez');
      expect(res.body.permissions).toEqual([...PERMISSIONS]);
      const expires = Date.parse(res.body.expiresAt);
      expect(expires - started).toBeGreaterThanOrEqual(12 * 3600_000 - 1000);
      expect(expires - started).toBeLessThanOrEqual(12 * 3600_000 + 5000);
      expect(res.headers.get('set-cookie')).toBe(
        `rc_session=${res.body.token}; Max-Age=43200; Path=/; HttpOnly; SameSite=Lax`,
      );
    });

    test('a wrong PIN is 401 wrong_pin', async () => {
      const res = await login('000000');
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        error: { code: 'wrong_pin', message: 'that PIN is not valid', details: null },
      });
      await login(server.adminPin); // a success clears the failure count
    });

    test.each([['12'], ['abcd'], [1234], [null]])(
      'a malformed PIN %j is 400 validation_failed',
      async (pin) => {
        const res = await login(pin);
        expect(res.status).toBe(400);
        expect(errorOf(res)).toMatchObject({
          code: 'validation_failed',
          details: [expect.objectContaining({ path: 'pin' })],
        });
      },
    );

    test('the session works as a cookie and as a bearer token; GET /api/auth/me names its employee', async () => {
      const { token, employee } = (await login(server.adminPin)).body;
      const byCookie = await call(server.url, 'GET', '/api/auth/me', {
        headers: { cookie: `rc_session=${token}` },
      });
      expect(byCookie.status).toBe(200);
      expect(byCookie.body).toMatchObject({ employee, permissions: [...PERMISSIONS] });
      const byBearer = await client(server.url, token).get('/api/products');
      expect(byBearer.status).toBe(200);
    });
  });

  describe('no session: 401 not_signed_in', () => {
    const routes: [string, string][] = [
      ['GET', '/api/products'],
      ['GET', '/api/products/some-id'],
      ['POST', '/api/products'],
      ['PATCH', '/api/products/some-id'],
      ['DELETE', '/api/products/some-id'],
      ['GET', '/api/sync/changes?resource=product&since=0'],
      ['GET', '/api/sync/events'],
      ['POST', '/api/auth/logout'],
      ['GET', '/api/auth/me'],
    ];
    test.each(routes)('%s %s without a session', async (method, path) => {
      const res = await call(
        server.url,
        method,
        path,
        method === 'POST' || method === 'PATCH' ? { body: {} } : {},
      );
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { code: 'not_signed_in', message: 'sign in first', details: null } });
    });

    test.each([['Bearer not-a-real-token'], ['Basic dXNlcjpwYXNz'], ['Bearer '], ['Bearer a b']])(
      'Authorization %j is 401',
      async (authorization) => {
        const res = await call(server.url, 'GET', '/api/products', { headers: { authorization } });
        expect(res.status).toBe(401);
        expect(errorOf(res).code).toBe('not_signed_in');
      },
    );

    test('a write without a session is refused before its body is even read', async () => {
      const res = await call(server.url, 'POST', '/api/products', {
        raw: '{oops',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(401);
    });
  });

  describe('permissions come from the role', () => {
    test('a waiter may read everything but change nothing: 403 forbidden', async () => {
      const waiter = server.staff.find((s) => s.role === 'Waiter')!;
      const api = client(server.url, await server.login(waiter.pin));
      expect((await api.get('/api/products')).status).toBe(200);
      const product = (await api.get<Snapshot<'product'>>('/api/products')).body.items[0]!;
      const before = await status(server.url);
      const answers = [
        await api.post('/api/products', { name: 'x', categoryId: product.categoryId, priceCents: 1 }),
        await api.patch(`/api/products/${product.id}`, { name: 'x' }),
        await api.del(`/api/products/${product.id}`),
      ];
      for (const res of answers) {
        expect(res.status).toBe(403);
        expect(res.body).toEqual({
          error: {
            code: 'forbidden',
            message: 'your role may not change product items',
            details: { permission: 'product.write' },
          },
        });
      }
      expect(await status(server.url)).toEqual(before);
    });

    test('a shift lead may change products and tables, not categories', async () => {
      const lead = server.staff.find((s) => s.role === 'Shift lead')!;
      const api = client(server.url, await server.login(lead.pin));
      const product = (await api.get<Snapshot<'product'>>('/api/products')).body.items[1]!;
      expect((await api.patch(`/api/products/${product.id}`, { priceCents: 1234 })).status).toBe(200);
      const res = await api.post('/api/categories', { name: 'Specials' });
      expect(res.status).toBe(403);
      expect(errorOf(res).details).toEqual({ permission: 'category.write' });
    });

    test('changing a role changes what its signed-in employees may do at once', async () => {
      const role = (await manager.post<Item<'role'>>('/api/roles', { name: 'Barista', permissions: [] }))
        .body;
      await manager.post('/api/employees', { name: 'Bo', roleId: role.id, pin: '55501' });
      const bo = client(server.url, await server.login('55501'));
      expect((await bo.post('/api/tags', { name: 'decaf', color: '#222222' })).status).toBe(403);
      await manager.patch(`/api/roles/${role.id}`, { permissions: ['tag.write'] });
      expect((await bo.post('/api/tags', { name: 'decaf', color: '#222222' })).status).toBe(201);
    });
  });

  describe('sessions end', () => {
    test('logout deletes the session and clears the cookie', async () => {
      const token = await server.login();
      const res = await client(server.url, token).post('/api/auth/logout');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ok: true });
      expect(res.headers.get('set-cookie')).toMatch(
        /^rc_session=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax$/,
      );
      expect((await client(server.url, token).get('/api/products')).status).toBe(401);
    });

    test('an employee set inactive loses their session and cannot sign in', async () => {
      const person = (
        await manager.post<Item<'employee'>>('/api/employees', {
          name: 'Temp',
          roleId: waiterRoleId,
          pin: '424242',
        })
      ).body;
      const token = await server.login('424242');
      expect((await client(server.url, token).get('/api/zones')).status).toBe(200);
      await manager.patch(`/api/employees/${person.id}`, { active: false });
      expect((await client(server.url, token).get('/api/zones')).status).toBe(401);
      expect((await login('424242')).status).toBe(401);
      await manager.patch(`/api/employees/${person.id}`, { active: true });
      expect((await login('424242')).status).toBe(200);
    });

    test('using a session extends it (sliding expiry)', async () => {
      // 5 uses 600 ms apart outlive a 2 s session only if each use extends it; a stall of
      // 1.4 s between two uses is needed to fail this by chance.
      const short = await startInProcessServer({ storage: kind, config: { sessionTtlMs: 2000 } });
      try {
        const api = client(short.url, await short.login());
        for (let i = 0; i < 5; i++) {
          // wait-ok: the session's sliding expiry is what is tested; time must pass.
          await new Promise((r) => setTimeout(r, 600));
          expect((await api.get('/api/zones')).status).toBe(200);
        }
      } finally {
        await short.stop();
      }
    });

    test('an expired session is 401', async () => {
      const short = await startInProcessServer({ storage: kind, config: { sessionTtlMs: 1500 } });
      try {
        const token = await short.login();
        expect((await client(short.url, token).get('/api/zones')).status).toBe(200);
        // wait-ok: the session must expire; waiting longer only makes it surer.
        await new Promise((r) => setTimeout(r, 1600));
        expect((await client(short.url, token).get('/api/zones')).status).toBe(401);
      } finally {
        await short.stop();
      }
    });
  });

  describe('lockout after wrong PINs', () => {
    test('the fifth wrong PIN within the window is 429 with Retry-After; even the right PIN waits', async () => {
      const locked = await startInProcessServer({ storage: kind });
      try {
        for (let i = 0; i < 4; i++) expect((await login('999999', locked.url)).status).toBe(401);
        const fifth = await login('999999', locked.url);
        expect(fifth.status).toBe(429);
        expect(fifth.headers.get('retry-after')).toBe('60');
        expect(fifth.body).toEqual({
          error: {
            code: 'too_many_attempts',
            message: 'too many wrong PINs; try again in 60 s',
            details: { retryAfterSeconds: 60 },
          },
        });
        const right = await login(locked.adminPin, locked.url);
        expect(right.status).toBe(429);
        expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
      } finally {
        await locked.stop();
      }
    });

    test('the lock lifts after its time', async () => {
      const locked = await startInProcessServer({
        storage: kind,
        config: { lockout: { maxFailures: 2, windowMs: 60_000, lockMs: 300 } },
      });
      try {
        await login('999999', locked.url);
        expect((await login('999999', locked.url)).status).toBe(429);
        // wait-ok: the lock must end; waiting longer only makes it surer.
        await new Promise((r) => setTimeout(r, 350));
        expect((await login(locked.adminPin, locked.url)).status).toBe(200);
      } finally {
        await locked.stop();
      }
    });
  });

  describe('PINs', () => {
    test('a PIN another employee has is 409 pin_taken; nothing changes', async () => {
      const before = await status(server.url);
      const res = await manager.post('/api/employees', {
        name: 'Copycat',
        roleId: waiterRoleId,
        pin: server.adminPin,
      });
      expect(res.status).toBe(409);
      expect(errorOf(res)).toEqual({
        code: 'pin_taken',
        message: 'another employee already uses this PIN',
        details: { field: 'pin' },
      });
      const other = server.staff[3]!;
      const patch = await manager.patch(`/api/employees/${other.id}`, { pin: server.adminPin });
      expect(patch.status).toBe(409);
      expect(await status(server.url)).toEqual(before);
    });

    test('a retried employee create with a PIN replays its answer instead of 409 pin_taken', async () => {
      const headers = { 'idempotency-key': 'hire-kim' };
      const body = { name: 'Kim', roleId: waiterRoleId, pin: '606060' };
      const first = await manager.post<Item>('/api/employees', body, { headers });
      const retry = await manager.post<Item>('/api/employees', body, { headers });
      expect(first.status).toBe(201);
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(first.body);
      expect((await login('606060')).status).toBe(200);
    });

    test('a malformed PIN on an employee is 400 naming pin', async () => {
      const res = await manager.post('/api/employees', { name: 'Short', roleId: waiterRoleId, pin: '12' });
      expect(res.status).toBe(400);
      expect(errorOf(res).details).toEqual([expect.objectContaining({ path: 'pin' })]);
    });

    test('changing a PIN retires the old one', async () => {
      const person = (
        await manager.post<Item<'employee'>>('/api/employees', {
          name: 'Rita',
          roleId: waiterRoleId,
          pin: '111222',
        })
      ).body;
      const changed = await manager.patch<Item>(`/api/employees/${person.id}`, { pin: '333444' });
      expect(changed.status).toBe(200);
      expect(changed.body).toEqual({ ...person, version: person.version + 1 });
      expect((await login('111222')).status).toBe(401);
      expect((await login('333444')).status).toBe(200);
      // Setting one's own PIN again is not a clash with oneself.
      expect((await manager.patch(`/api/employees/${person.id}`, { pin: '333444' })).status).toBe(200);
    });

    test('a PIN never appears in any answer, event or log row, and is stored only as a scrypt hash', async () => {
      const pin = '86420975';
      const stream = await openStream(server.url, await server.login());
      await stream.waitFor((e) => e.event === 'hello');
      const created = await manager.post<Item>('/api/employees', {
        name: 'Secret Sam',
        roleId: waiterRoleId,
        pin,
      });
      const patched = await manager.patch(`/api/employees/${created.body.id}`, {
        name: 'Sam',
        pin: '97531864',
      });
      const signIn = await login('97531864');
      await stream.waitFor((e) => e.event === 'sync' && (e.data as { id: string }).id === created.body.id, 2);
      stream.close();
      const texts = [
        created.text,
        patched.text,
        signIn.text,
        (await manager.get('/api/employees')).text,
        (await manager.get(`/api/employees/${created.body.id}`)).text,
        (await manager.get('/api/sync/changes?resource=employee&since=0')).text,
        JSON.stringify(stream.events),
      ];
      for (const text of texts) {
        expect(text).not.toContain(pin);
        expect(text).not.toContain('97531864');
        expect(text).not.toMatch(/"pin"|scrypt|hash/i);
      }
      expect(signIn.status).toBe(200);

      const [row] = await server.sql<{ hash: string }>(
        'SELECT hash FROM employee_pins WHERE employee_id = ?',
        [created.body.id],
      );
      expect(row!.hash).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
      const everything =
        JSON.stringify(await server.sql('SELECT * FROM items')) +
        JSON.stringify(await server.sql('SELECT * FROM changes'));
      expect(everything).not.toContain(pin);
      expect(everything).not.toContain('97531864');
    });
  });
});
