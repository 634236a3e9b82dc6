/**
 * Storage on PostgreSQL, for several server instances sharing one database. Writes run in
 * one READ COMMITTED transaction each, with the locks described in postgres-write.ts;
 * multi-statement reads run in one REPEATABLE READ READ ONLY transaction, so a list, a
 * changes page or a stream start sees one consistent state. Listeners hear commits from
 * the change feed (postgres-feed.ts), which reports every instance's commits in seq order.
 */
import type pg from 'pg';
import { type Item, RESOURCE_NAMES, type ResourceName } from '../../src/shared/resources';
import type { LockoutConfig } from '../config';
import { ApiError } from '../errors';
import { type ChangeRow, type StateRow, toChange, toItem } from './items';
import * as auth from './postgres-auth';
import { CHANGE_COLUMNS, ChangeFeed } from './postgres-feed';
import { PostgresLockoutStore } from './postgres-lockout';
import {
  checkReachable,
  createPool,
  firstRow,
  inTransaction,
  rows,
  SILENT_LOG,
  type StorageLog,
} from './postgres-pool';
import { CHANGES_CHANNEL, type DeploymentEpoch, LOCKS, prepareDatabase } from './postgres-schema';
import { applyWrite, lockKey, storedAnswer } from './postgres-write';
import type * as T from './types';

const READ_SNAPSHOT = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';

export interface PostgresOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** Changes kept per type in the log. */
  logRetention: number;
  /** Connections in the pool (the LISTEN connection comes on top). */
  poolSize: number;
  /** Safety-net interval of the change feed. */
  pollMs: number;
  log?: StorageLog;
}

export class PostgresStorage implements T.Storage, T.DrillHooks {
  /** Opens the pool, checks the database answers, migrates, and starts the change feed. */
  static async open(options: PostgresOptions): Promise<PostgresStorage> {
    const log = options.log ?? SILENT_LOG;
    const pool = createPool(options.url, options.poolSize, log);
    try {
      await checkReachable(options.url);
      const deployment = await prepareDatabase(pool);
      const start = await firstRow<{ last_seq: number }>(pool, 'SELECT last_seq FROM log_state WHERE id = 1');
      const feed = new ChangeFeed(pool, {
        url: options.url,
        pollMs: options.pollMs,
        epoch: deployment.epoch,
        startSeq: start!.last_seq,
        log,
      });
      try {
        await feed.start();
      } catch (err) {
        await feed.stop();
        throw err;
      }
      return new PostgresStorage(pool, feed, deployment, options.logRetention);
    } catch (err) {
      await pool.end();
      throw err;
    }
  }

  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly feed: ChangeFeed,
    /** The deployment's epoch, shared by every instance on this database. */
    readonly deployment: DeploymentEpoch,
    private readonly retention: number,
  ) {}

  get epoch(): string {
    return this.deployment.epoch;
  }

  private async readStates(db: pg.Pool | pg.PoolClient): Promise<T.ResourceStates> {
    const found = new Map(
      (await rows<StateRow>(db, 'SELECT * FROM resource_state')).map((row) => [row.resource, row]),
    );
    const out = { versions: {}, digests: {}, counts: {} } as T.ResourceStates;
    for (const r of RESOURCE_NAMES) {
      const row = found.get(r)!;
      out.versions[r] = row.version;
      out.digests[r] = row.digest;
      out.counts[r] = row.count;
    }
    return out;
  }

  async status(): Promise<T.ResourceStates> {
    return this.readStates(this.pool);
  }

  async list(resource: ResourceName) {
    return inTransaction(this.pool, READ_SNAPSHOT, async (db) => {
      const state = await firstRow<StateRow>(db, 'SELECT * FROM resource_state WHERE resource = $1', [
        resource,
      ]);
      const items = await rows<{ id: string; version: number; data: string }>(
        db,
        'SELECT id, version, data FROM items WHERE resource = $1 ORDER BY id',
        [resource],
      );
      return {
        version: state!.version,
        digest: state!.digest,
        items: items.map((r) => toItem(r.id, r.version, r.data)),
      };
    });
  }

  async get(resource: ResourceName, id: string): Promise<Item | null> {
    const row = await firstRow<{ version: number; data: string }>(
      this.pool,
      'SELECT version, data FROM items WHERE resource = $1 AND id = $2',
      [resource, id],
    );
    return row ? toItem(id, row.version, row.data) : null;
  }

  async write(request: T.WriteRequest): Promise<T.WriteResult> {
    const [result] = await this.writeBatch([request]);
    return result!;
  }

  async writeBatch(requests: T.WriteRequest[]): Promise<T.WriteResult[]> {
    const now = Date.now();
    const results = await inTransaction(this.pool, 'BEGIN', async (db) => {
      // A batch takes its key and type locks up front, in one order, like a single write.
      const keyed = requests
        .filter((r) => r.idempotency)
        .sort((a, b) => (a.idempotency!.key < b.idempotency!.key ? -1 : 1));
      for (const r of keyed) await lockKey(db, r.actor, r.idempotency!);
      if (requests.length > 1)
        await db.query(
          'SELECT 1 FROM resource_state WHERE resource = ANY($1::text[]) ORDER BY resource FOR UPDATE',
          [[...new Set(requests.map((r) => r.resource))]],
        );
      const out: T.WriteResult[] = [];
      for (const request of requests) out.push(await applyWrite(db, request, this.retention, now));
      const last = out.reduce((seq, r) => Math.max(seq, r.change?.seq ?? 0), 0);
      // Delivered to every LISTEN connection on COMMIT, never for a rolled-back write.
      if (last > 0) await db.query('SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, String(last)]);
      return out;
    });
    const last = results.reduce((seq, r) => Math.max(seq, r.change?.seq ?? 0), 0);
    if (last > 0) this.feed.kick(last);
    return results;
  }

  async findAnswer(actor: string, idempotency: T.IdempotencyRequest): Promise<T.StoredAnswer | null> {
    return storedAnswer(this.pool, actor, idempotency);
  }

  async changes(resource: ResourceName, since: number): Promise<T.ChangesPage> {
    return inTransaction(this.pool, READ_SNAPSHOT, async (db) => {
      const state = await firstRow<StateRow>(db, 'SELECT * FROM resource_state WHERE resource = $1', [
        resource,
      ]);
      const found =
        since >= state!.version
          ? []
          : await rows<ChangeRow>(
              db,
              `SELECT ${CHANGE_COLUMNS} FROM changes WHERE resource = $1 AND version > $2 ORDER BY version`,
              [resource, since],
            );
      return { version: state!.version, prunedThrough: state!.pruned_through, changes: found.map(toChange) };
    });
  }

  async streamStart(afterSeq: number | null): Promise<T.StreamStart> {
    return inTransaction(this.pool, READ_SNAPSHOT, async (db) => {
      const { versions, digests } = await this.readStates(db);
      const log = await firstRow<{ last_seq: number; pruned_seq: number }>(
        db,
        'SELECT last_seq, pruned_seq FROM log_state WHERE id = 1',
      );
      const { last_seq: lastSeq, pruned_seq: prunedSeq } = log!;
      const replayable = afterSeq !== null && afterSeq >= prunedSeq && afterSeq <= lastSeq;
      const changes = replayable
        ? (
            await rows<ChangeRow>(db, `SELECT ${CHANGE_COLUMNS} FROM changes WHERE seq > $1 ORDER BY seq`, [
              afterSeq,
            ])
          ).map(toChange)
        : null;
      return { versions, digests, lastSeq, prunedSeq, changes };
    });
  }

  /** Listeners hear every instance's commits, in seq order, shortly after they commit. */
  onCommit(listener: (changes: T.Change[]) => void): () => void {
    return this.feed.onChanges(listener);
  }

  /** Called once when the database's history breaks under this instance (epoch rotated, restore). */
  onHistoryBreak(listener: (reason: string) => void): () => void {
    return this.feed.onHistoryBreak(listener);
  }

  async isNew(): Promise<boolean> {
    const row = await firstRow<{ last_seq: number }>(
      this.pool,
      'SELECT last_seq FROM log_state WHERE id = 1',
    );
    return row!.last_seq === 0;
  }

  /** A session-level advisory lock on one pooled connection, held while `task` runs. */
  async exclusive<T>(name: string, task: () => Promise<T>): Promise<T> {
    const db = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await db.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCKS.exclusive, name]);
      try {
        return await task();
      } finally {
        await db
          .query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCKS.exclusive, name])
          .catch((err) => {
            broken = err instanceof Error ? err : new Error(String(err)); // the lock went with the connection
          });
      }
    } finally {
      db.release(broken);
    }
  }

  async pinHashes(activeOnly: boolean): Promise<T.PinRecord[]> {
    return auth.pinHashes(this.pool, activeOnly);
  }

  async createSession(session: T.SessionRecord): Promise<void> {
    await auth.createSession(this.pool, session);
  }

  async findSession(tokenHash: string, now: number, ttlMs: number): Promise<T.ActiveSession | null> {
    return auth.findSession(this.pool, tokenHash, now, ttlMs);
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await auth.deleteSession(this.pool, tokenHash);
  }

  async cleanup(now: number, idempotencyTtlMs: number): Promise<void> {
    await auth.cleanup(this.pool, now, idempotencyTtlMs);
  }

  /** The wrong-PIN lockout in the shared database, so every instance counts the same failures. */
  lockoutStore(config: LockoutConfig): T.LockoutStore {
    return new PostgresLockoutStore(this.pool, config);
  }

  /** Every instance on this database serves the deployment's epoch (postgres-schema.ts). */
  readonly sharesEpoch = true;

  /**
   * Refused: other instances serve this data under the shared epoch, and one instance's
   * drill cannot make them all re-verify. Drop and recreate the database, restart them.
   */
  async wipe(): Promise<void> {
    throw new ApiError(
      'drill_unsupported',
      'a drill wipe works on SQLite only: on PostgreSQL instances share the data and its epoch; ' +
        'recreate the database and restart the instances instead',
    );
  }

  /** Stops the feed (releasing the LISTEN connection), then ends the pool. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.feed.stop();
    await this.pool.end();
  }
}
