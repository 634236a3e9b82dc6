/**
 * The wrong-PIN lockout's stores: in memory on SQLite (one process, as before), and in the
 * shared database on PostgreSQL, so two instances behind a load balancer count the same
 * failures and hold the same lock. A store that fails makes sign-in 503, never unlimited.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { buildApp } from '../../server/app';
import { MemoryLockoutStore } from '../../server/auth/lockout';
import type { LockoutConfig } from '../../server/config';
import { seedDemo } from '../../server/seed';
import { PostgresLockoutStore } from '../../server/storage/postgres-lockout';
import type { LockoutStore, Storage } from '../../server/storage/types';
import type { LoginResponse } from '../../src/shared/protocol';
import { dropDatabase, freshDatabase } from '../helpers/postgres';
import {
  freePort,
  type InProcessServer,
  openTestStorage,
  STORAGE_KINDS,
  startInProcessServer,
} from '../helpers/server';
import { call, errorOf } from './support';

// wait-ok: these tests are about time passing (a window sliding, a lock ending); each margin
// leaves seconds for a loaded machine between what must still hold and what must have ended.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const login = (base: string, pin: unknown) =>
  call<LoginResponse>(base, 'POST', '/api/auth/login', { body: { pin } });

const WRONG = '999999';

describe('the memory store (SQLite: one process)', () => {
  test('sliding window, lock, lift, success clears, sweep forgets', async () => {
    let now = 1_000_000;
    const store = new MemoryLockoutStore({ maxFailures: 3, windowMs: 100, lockMs: 50 }, () => now);
    expect(await store.fail('ip')).toBe(0);
    now += 60;
    expect(await store.fail('ip')).toBe(0);
    now += 60; // the first failure left the window
    expect(await store.fail('ip')).toBe(0);
    now += 10;
    expect(await store.fail('ip')).toBe(50);
    expect(await store.retryAfterMs('ip')).toBe(50);
    expect(await store.retryAfterMs('other')).toBe(0);
    now += 50;
    expect(await store.retryAfterMs('ip')).toBe(0);
    expect(await store.fail('ip')).toBe(0);
    await store.succeed('ip');
    expect(await store.fail('ip')).toBe(0);
    expect(await store.fail('ip')).toBe(0);
    expect(await store.fail('ip')).toBe(50);
  });

  test.runIf(STORAGE_KINDS.includes('sqlite'))(
    'SQLite offers no store of its own: the app counts in memory',
    async () => {
      const storage = await openTestStorage('sqlite');
      try {
        expect(storage.lockoutStore).toBeUndefined();
      } finally {
        await storage.close();
      }
    },
  );
});

describe.runIf(STORAGE_KINDS.includes('postgres'))('two instances on one PostgreSQL database', () => {
  const lockout: LockoutConfig = { maxFailures: 4, windowMs: 60_000, lockMs: 3000 };
  let a: InProcessServer;
  let b: InProcessServer;

  // A fresh database per test: the lockout is per IP, and every request here is from 127.0.0.1.
  beforeEach(async () => {
    a = await startInProcessServer({ storage: 'postgres', config: { lockout } });
    b = await startInProcessServer({ databaseUrl: a.databaseUrl!, config: { lockout } });
  });
  afterEach(async () => {
    await b.stop();
    await a.stop();
  });

  test('wrong PINs alternated between them lock both after maxFailures in total; the lock lifts on both', async () => {
    expect((await login(a.url, WRONG)).status).toBe(401);
    expect((await login(b.url, WRONG)).status).toBe(401);
    expect((await login(a.url, WRONG)).status).toBe(401);
    const fourth = await login(b.url, WRONG);
    expect(fourth.status).toBe(429);
    expect(fourth.headers.get('retry-after')).toBe('3');
    expect(errorOf(fourth)).toEqual({
      code: 'too_many_attempts',
      message: 'too many wrong PINs; try again in 3 s',
      details: { retryAfterSeconds: 3 },
    });
    // Locked on both, even for the right PIN, with Retry-After.
    for (const server of [a, b]) {
      const right = await login(server.url, server.adminPin);
      expect(right.status).toBe(429);
      expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(errorOf(right).code).toBe('too_many_attempts');
    }
    const rows = await a.sql<{ ip: string; n: number; locked: boolean }>(
      'SELECT ip, cardinality(failures) AS n, locked_until > last_failure_at AS locked FROM auth_lockout',
    );
    expect(rows).toEqual([{ ip: '127.0.0.1', n: 0, locked: true }]);

    await sleep(lockout.lockMs + 100);
    expect((await login(a.url, a.adminPin)).status).toBe(200);
    // Lifted on b too (a's success also cleared the IP's record; b must not remember its own).
    expect((await login(b.url, WRONG)).status).toBe(401);
    expect((await login(b.url, b.adminPin)).status).toBe(200);
  });

  test('the lock lifts by itself on both instances after lockMs, with no success in between', async () => {
    for (const server of [a, b, a]) expect((await login(server.url, WRONG)).status).toBe(401);
    expect((await login(b.url, WRONG)).status).toBe(429);
    expect((await login(a.url, a.adminPin)).status).toBe(429);
    await sleep(lockout.lockMs + 100);
    // The count started over at the lock: three more wrong PINs are 401 again, on either.
    for (const server of [b, a, b]) expect((await login(server.url, WRONG)).status).toBe(401);
    expect((await login(a.url, WRONG)).status).toBe(429);
  });

  test('a correct PIN on one instance resets the count for both', async () => {
    for (const server of [a, b, a]) expect((await login(server.url, WRONG)).status).toBe(401);
    expect((await login(b.url, b.adminPin)).status).toBe(200);
    expect(await a.sql('SELECT ip FROM auth_lockout')).toEqual([]);
    // Without the reset the next wrong PIN would be the fourth and lock.
    for (const server of [a, b, a]) expect((await login(server.url, WRONG)).status).toBe(401);
    expect((await login(b.url, WRONG)).status).toBe(429);
  });

  test('a malformed PIN is 400 and counts nothing; a locked IP is 429 before its body is read', async () => {
    expect((await login(a.url, 'abc')).status).toBe(400);
    expect((await login(b.url, 12)).status).toBe(400);
    expect(await a.sql('SELECT ip FROM auth_lockout')).toEqual([]);
    for (const server of [a, b, a, b]) await login(server.url, WRONG);
    expect((await login(a.url, 'abc')).status).toBe(429);
  });
});

describe.runIf(STORAGE_KINDS.includes('postgres'))('the PostgreSQL store', () => {
  const config: LockoutConfig = { maxFailures: 20, windowMs: 2000, lockMs: 10_000 };
  let url: string;
  let one: Storage;
  let two: Storage;

  beforeAll(async () => {
    url = await freshDatabase();
    one = await openTestStorage('postgres', { databaseUrl: url });
    two = await openTestStorage('postgres', { databaseUrl: url });
  });
  afterAll(async () => {
    await one.close();
    await two.close();
    await dropDatabase(url);
  });

  test('concurrent failures from two instances are all counted: exactly one of them locks', async () => {
    const stores = [one.lockoutStore!(config), two.lockoutStore!(config)];
    const ip = `10.0.0.${Math.floor(Math.random() * 250)}`;
    const results = await Promise.all(
      Array.from({ length: config.maxFailures }, (_, i) => stores[i % 2]!.fail(ip)),
    );
    expect(results.filter((r) => r === config.lockMs)).toHaveLength(1);
    expect(results.filter((r) => r === 0)).toHaveLength(config.maxFailures - 1);
    for (const store of stores) {
      const wait = await store.retryAfterMs(ip);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(config.lockMs);
    }
  });

  test('failures older than the window drop out (sliding window, in SQL)', async () => {
    const store = one.lockoutStore!({ maxFailures: 3, windowMs: 2000, lockMs: 1000 });
    const ip = `window-${randomUUID()}`;
    expect(await store.fail(ip)).toBe(0);
    expect(await store.fail(ip)).toBe(0);
    await sleep(2100);
    expect(await store.fail(ip)).toBe(0);
    expect(await store.fail(ip)).toBe(0);
    expect(await store.fail(ip)).toBe(1000);
  });

  test('maxFailures 1 locks on the first failure', async () => {
    const store = one.lockoutStore!({ maxFailures: 1, windowMs: 1000, lockMs: 60_000 });
    const ip = `first-${randomUUID()}`;
    expect(await store.fail(ip)).toBe(60_000);
    expect(await store.retryAfterMs(ip)).toBeGreaterThan(0);
  });

  test('the sweep drops records with nothing left to remember and keeps the others', async () => {
    const store = one.lockoutStore!(config);
    const [spent, locked, recent] = ['spent', 'locked', 'recent'].map((p) => `${p}-${randomUUID()}`);
    await store.fail(spent!);
    const long = two.lockoutStore!({ ...config, maxFailures: 1, lockMs: 60_000 });
    await long.fail(locked!);
    await sleep(config.windowMs + 50);
    await store.fail(recent!);
    await store.sweep();
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const left = await db.query<{ ip: string }>('SELECT ip FROM auth_lockout WHERE ip = ANY($1)', [
        [spent, locked, recent],
      ]);
      expect(left.rows.map((r) => r.ip).sort()).toEqual([locked, recent].sort());
    } finally {
      await db.end();
    }
  });
});

describe.runIf(STORAGE_KINDS.includes('sqlite'))('when the lockout store fails, sign-in fails closed', () => {
  let storage: Storage;
  let adminPin: string;

  beforeAll(async () => {
    storage = await openTestStorage('sqlite');
    adminPin = '1234';
    await seedDemo(storage, { adminPin, scryptN: 1024 });
  });
  afterAll(() => storage.close());

  async function appWith(lockoutStore: LockoutStore): Promise<FastifyInstance> {
    return buildApp({
      storage,
      epoch: randomUUID(),
      config: { logLevel: 'silent', scryptN: 1024 },
      lockoutStore,
    });
  }

  const inject = (app: FastifyInstance, pin: string) =>
    app.inject({ method: 'POST', url: '/api/auth/login', payload: { pin } });

  test('an unreachable database: 503 unavailable for every attempt, right or wrong, and no crash', async () => {
    const port = await freePort(); // nobody listens there
    const pool = new pg.Pool({
      connectionString: `postgresql://postgres@127.0.0.1:${port}/none`,
      connectionTimeoutMillis: 500,
    });
    const app = await appWith(
      new PostgresLockoutStore(pool, { maxFailures: 5, windowMs: 60_000, lockMs: 60_000 }),
    );
    try {
      for (const pin of [WRONG, adminPin, WRONG]) {
        const res = await inject(app, pin);
        expect(res.statusCode).toBe(503);
        expect(res.json()).toEqual({
          error: {
            code: 'unavailable',
            message: 'sign-in is unavailable right now; retry shortly',
            details: null,
          },
        });
      }
      expect((await app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
    } finally {
      await app.close();
      await pool.end();
    }
  });

  test('a failure that cannot be recorded is 503, not 401; a success that cannot clear still signs in', async () => {
    const broken = () => Promise.reject(new Error('lockout store down'));
    const app = await appWith({
      retryAfterMs: async () => 0,
      fail: broken,
      succeed: broken,
      sweep: broken,
    });
    try {
      expect((await inject(app, WRONG)).statusCode).toBe(503);
      expect((await inject(app, adminPin)).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
