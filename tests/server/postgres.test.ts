/**
 * What only PostgreSQL storage has to get right, because several instances share one
 * database: migrations and the seed once however many start together, one epoch per
 * deployment, the change feed across instances (including lost notifications), and the
 * write locks under concurrent writers on different instances.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ApiError } from '../../server/errors';
import { PostgresStorage } from '../../server/storage/postgres';
import { rotateEpoch } from '../../server/storage/postgres-schema';
import type { Change, Storage, WriteRequest } from '../../server/storage/types';
import { digestOf } from '../../src/shared/digest';
import { dropDatabase, freshDatabase } from '../helpers/postgres';
import {
  freePort,
  type InProcessServer,
  openTestStorage,
  startInProcessServer,
  startServer,
} from '../helpers/server';
import { untilTrue } from '../helpers/wait';
import { client, errorOf, status } from './support';

/** Runs one statement on a database, outside any storage. */
async function sql<T extends pg.QueryResultRow>(url: string, text: string, params: unknown[] = []) {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    return (await db.query<T>(text, params)).rows;
  } finally {
    await db.end();
  }
}

const open = (url: string, pollMs = 1000) =>
  PostgresStorage.open({ url, logRetention: 1000, poolSize: 4, pollMs });

/** Waits until `check` holds; fails naming `what` after WAIT_MS. */
const eventually = (what: string, check: () => boolean) => untilTrue(check, what);

const tag = (id: string, action: WriteRequest['action'], name = id): WriteRequest =>
  action === 'create'
    ? { resource: 'tag', id, actor: 't', action, fields: { name, color: '#112233' } }
    : action === 'update'
      ? { resource: 'tag', id, actor: 't', action, merge: (cur) => ({ ...cur, name }) }
      : { resource: 'tag', id, actor: 't', action };

describe('schema and start-up', () => {
  test('migrations are recorded in schema_migrations and applied once', async () => {
    const url = await freshDatabase();
    await (await open(url)).close();
    const first = await sql(url, 'SELECT version, name, applied_at FROM schema_migrations');
    await (await open(url)).close();
    expect(await sql(url, 'SELECT version, name, applied_at FROM schema_migrations')).toEqual(first);
    expect(first.map(({ version, name }) => ({ version, name }))).toEqual([
      { version: 1, name: 'initial schema' },
      { version: 2, name: 'shared sign-in lockout' },
    ]);
    await dropDatabase(url);
  });

  test('instances starting together on a new database migrate once, seed once and share the epoch', async () => {
    const url = await freshDatabase();
    const servers = await Promise.all([1, 2, 3].map(() => startInProcessServer({ databaseUrl: url })));
    try {
      expect(servers.map((s) => s.staff.length).sort()).toEqual([0, 0, 8]);
      expect(new Set(servers.map((s) => s.epoch)).size).toBe(1);
      const { counts, versions } = await status(servers[1]!.url);
      expect(counts).toMatchObject({ product: 120, category: 10, employee: 8, dining_table: 30 });
      expect(versions).toEqual(counts);
      expect(await sql(url, 'SELECT count(*)::int AS n FROM schema_migrations')).toEqual([{ n: 2 }]);
    } finally {
      for (const s of servers) await s.stop();
      await dropDatabase(url);
    }
  });

  test('a database with a newer schema is refused with a clear message', async () => {
    const url = await freshDatabase();
    await (await open(url)).close();
    await sql(url, "INSERT INTO schema_migrations (version, name) VALUES (99, 'from the future')");
    await expect(open(url)).rejects.toThrow(
      'database schema 99 is newer than this server (2); upgrade the server',
    );
    await dropDatabase(url);
  });
});

describe('the epoch belongs to the deployment', () => {
  test('shared by instances, kept on reopen, new for a new database', async () => {
    const [url, other] = [await freshDatabase(), await freshDatabase()];
    const [a, b] = [await open(url), await open(url)];
    expect(b.epoch).toBe(a.epoch);
    await Promise.all([a.close(), b.close()]);
    const again = await open(url);
    const elsewhere = await open(other);
    expect(again.epoch).toBe(a.epoch);
    expect(again.deployment.rotated).toBeNull();
    expect(elsewhere.epoch).not.toBe(a.epoch);
    await Promise.all([again.close(), elsewhere.close()]);
  });

  test('a database copied or restored elsewhere gets a new epoch on its first start', async () => {
    const url = await freshDatabase();
    const before = await open(url);
    await before.close();
    // What a restore into another database or cluster looks like: the row says elsewhere.
    await sql(url, "UPDATE deployment SET identity = '7000000000000000000/12345'");
    const after = await open(url);
    expect(after.epoch).not.toBe(before.epoch);
    expect(after.deployment.rotated).toBe('the database was copied or restored (its identity changed)');
    await after.close();
  });

  test('an epoch rotated under a running instance is reported as a history break', async () => {
    const url = await freshDatabase();
    const storage = await open(url, 50);
    const reasons: string[] = [];
    storage.onHistoryBreak((reason) => reasons.push(reason));
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    const epoch = await rotateEpoch(pool);
    await pool.end();
    await eventually('the history break', () => reasons.length > 0);
    expect(reasons).toEqual([`the deployment's epoch is now ${epoch}`]);
    await storage.close();
  });
});

describe('the change feed across instances', () => {
  let url: string;
  let a: Storage;
  let b: Storage;
  const heardByA: Change[] = [];

  beforeAll(async () => {
    url = await freshDatabase();
    // A long poll: anything heard here came through NOTIFY or a LISTEN reconnect.
    a = await openTestStorage('postgres', { databaseUrl: url, pollMs: 60_000 });
    b = await openTestStorage('postgres', { databaseUrl: url, pollMs: 60_000 });
    a.onCommit((changes) => heardByA.push(...changes));
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  test("another instance's commits reach this one's listeners in seq order, versions contiguous", async () => {
    heardByA.length = 0;
    const writes = Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).write(tag(`feed-${i}`, 'create')));
    const results = await Promise.all(writes);
    await eventually('40 changes', () => heardByA.length === 40);
    const seqs = heardByA.map((c) => c.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(heardByA.map((c) => c.version)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(new Set(heardByA.map((c) => c.id))).toEqual(new Set(results.map((r) => r.change!.id)));
  });

  test('a lost LISTEN connection comes back and catches up on what it missed', async () => {
    heardByA.length = 0;
    await sql(
      url,
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'red-coral-feed'",
    );
    const result = await b.write(tag('after-loss', 'create'));
    await eventually('the change written while A was not listening', () => heardByA.length === 1);
    expect(heardByA[0]).toEqual(result.change);
  });

  test('a change committed without a notification is still published by the safety-net poll', async () => {
    const polled = await openTestStorage('postgres', { databaseUrl: url, pollMs: 50 });
    const heard: Change[] = [];
    polled.onCommit((changes) => heard.push(...changes));
    // Written behind the storage's back: the log row is there, the NOTIFY never came.
    await sql(
      url,
      `WITH next AS (UPDATE log_state SET last_seq = last_seq + 1 RETURNING last_seq)
       INSERT INTO changes (seq, resource, version, action, item_id, data)
       SELECT last_seq, 'zone', 999, 'deleted', 'ghost', NULL FROM next`,
    );
    await eventually('the polled change', () => heard.length === 1);
    expect(heard[0]).toMatchObject({ resource: 'zone', version: 999, id: 'ghost', action: 'deleted' });
    await polled.close();
  });
});

describe('concurrent writers on two instances', () => {
  let a: InProcessServer;
  let b: InProcessServer;

  beforeAll(async () => {
    a = await startInProcessServer({ storage: 'postgres' });
    b = await startInProcessServer({ databaseUrl: a.databaseUrl! });
  });
  afterAll(async () => {
    await b.stop();
    await a.stop();
  });

  test('creates, updates and deletes of one type: each version once, no hole, exact digest', async () => {
    const v0 = (await a.storage.status()).versions.tag;
    const ids = Array.from({ length: 10 }, (_, i) => `race-${i}`);
    const ops: WriteRequest[] = [];
    for (let round = 0; round < 6; round++)
      for (const id of ids)
        ops.push(tag(id, round === 0 ? 'create' : round === 5 ? 'delete' : 'update', `${id}/${round}`));
    // Round by round, all ten ids at once, spread over both instances.
    const versions: number[] = [];
    for (let round = 0; round < 6; round++) {
      const batch = ops.slice(round * 10, round * 10 + 10);
      const results = await Promise.all(batch.map((op, i) => (i % 2 ? a : b).storage.write(op)));
      versions.push(...results.map((r) => r.change!.version));
    }
    expect(versions.sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => v0 + 1 + i));
    const page = await b.storage.changes('tag', v0);
    expect(page.changes.map((c) => c.version)).toEqual(Array.from({ length: 60 }, (_, i) => v0 + 1 + i));
    const { digest, items } = await a.storage.list('tag');
    expect(digest).toBe(digestOf(items));
  });

  test('a delete racing creates that reference the item never leaves a dangling reference', async () => {
    for (let round = 0; round < 8; round++) {
      const zone = `zone-race-${round}`;
      await a.storage.write({
        resource: 'zone',
        id: zone,
        actor: 't',
        action: 'create',
        fields: { name: zone, sortOrder: 0 },
      });
      const creates = [1, 2, 3, 4].map((n) =>
        (n % 2 ? a : b).storage
          .write({
            resource: 'dining_table',
            id: `${zone}-t${n}`,
            actor: 't',
            action: 'create',
            fields: { name: `T${n}`, zoneId: zone, seats: 2, shape: 'round', x: 0, y: 0 },
          })
          .then(() => 'created' as const)
          .catch((err: ApiError) => err.code),
      );
      const removal = b.storage
        .write({ resource: 'zone', id: zone, actor: 't', action: 'delete' })
        .then(() => 'deleted' as const)
        .catch((err: ApiError) => err.code);
      const [outcome, ...tables] = await Promise.all([removal, ...creates]);
      if (outcome === 'deleted') expect(tables.every((t) => t === 'invalid_reference')).toBe(true);
      else expect(outcome).toBe('referenced');
      const dangling = await a.sql(
        "SELECT id FROM items WHERE resource = 'dining_table' AND data LIKE ? AND NOT EXISTS (SELECT 1 FROM items z WHERE z.resource = 'zone' AND z.id = ?)",
        [`%${zone}%`, zone],
      );
      expect(dangling).toEqual([]);
    }
  });

  test('retries of one Idempotency-Key spread over both instances apply once', async () => {
    const [ta, tb] = [await a.login(), await b.login()];
    const before = await status(a.url);
    const headers = { 'idempotency-key': 'two-instances-once' };
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        client(i % 2 ? a.url : b.url, i % 2 ? ta : tb).post<{ id: string }>(
          '/api/tags',
          { name: 'Once', color: '#010203' },
          { headers },
        ),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(answers.map((r) => r.body.id)).size).toBe(1);
    expect((await status(b.url)).versions.tag).toBe(before.versions.tag + 1);
  });

  test('two instances cannot give one PIN to two employees at the same moment', async () => {
    const [ta, tb] = [await a.login(), await b.login()];
    const roleId = (await a.storage.list('role')).items[0]!.id;
    const answers = await Promise.all(
      [client(a.url, ta), client(b.url, tb)].map((api, i) =>
        api.post('/api/employees', { name: `Twin ${i}`, roleId, pin: '778899' }),
      ),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(errorOf(answers.find((r) => r.status === 409)!).code).toBe('pin_taken');
  });
});

describe('the server process', () => {
  test('an unreachable database stops the start with one line naming the server, exit status 1', async () => {
    const port = await freePort();
    const failure = await startServer({
      databaseUrl: `postgres://red:s3cret@127.0.0.1:${port}/nowhere`,
    }).then(
      () => new Error('the server started'),
      (err: Error) => err,
    );
    const [head, ...output] = failure.message.split('\n');
    expect(head).toBe('server exited with 1:');
    expect(output.join('\n').trim()).toBe(
      `Red Coral failed to start: cannot reach PostgreSQL at 127.0.0.1:${port}/nowhere: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  test('rotating the epoch with server/tools/rotate-epoch.ts stops running instances for a restart', async () => {
    const server = await startServer({ storage: 'postgres', env: { RED_CORAL_DB_POLL_MS: '100' } });
    try {
      const before = await server.epoch();
      const tool = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'server/tools/rotate-epoch.ts'],
        {
          env: { ...process.env, DATABASE_URL: server.databaseUrl! },
        },
      );
      const epoch = /: ([0-9a-f-]{36})$/.exec(tool.stdout.trim())?.[1];
      expect(epoch).toMatch(/^[0-9a-f-]{36}$/);
      // Shutting down waits for in-flight requests and open connections: allow for it.
      await eventually('the instance to exit', () => server.exitCode() !== null);
      expect(server.exitCode()).toBe(75);
      expect(server.output()).toContain('the database history changed under this instance');
      await server.restart();
      expect(await server.epoch()).toBe(epoch);
      expect(epoch).not.toBe(before);
    } finally {
      await server.stop();
    }
  });
});
