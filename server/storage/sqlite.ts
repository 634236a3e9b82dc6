/**
 * Storage on SQLite via better-sqlite3 (synchronous, WAL, FULL sync for durable commits).
 * The interface is async for the sake of other back ends; reads finish in the same tick.
 *
 * Writes are group-committed: `write` queues the request and every write queued during
 * one event-loop turn runs in one IMMEDIATE transaction at the next check phase
 * (`setImmediate`), each inside its own SAVEPOINT. A write that fails rolls back only its
 * savepoint and rejects only its own promise; the others keep their own version bump,
 * change row and idempotency answer, and all of them share one COMMIT, i.e. one WAL
 * fsync. No promise settles before that COMMIT returned, so an acknowledged write is as
 * durable as before. Commit order = seq order = listener order, as before.
 *
 * Sessions are cached in memory (token hash → row, employee → employee + permissions):
 * one process owns the file, so every change to sessions, employees and roles passes
 * through this object, which drops the affected entries in the same tick as the commit.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EMPTY_DIGEST } from '../../src/shared/digest';
import type { PerResource } from '../../src/shared/protocol';
import { type Item, RESOURCE_NAMES, type ResourceName } from '../../src/shared/resources';
import { type ChangeRow, type StateRow, toChange, toItem } from './items';
import { prepareDatabase } from './sqlite-schema';
import { type Principal, SessionCache } from './sqlite-sessions';
import { applyWrite, writeStatements } from './sqlite-write';
import type * as T from './types';
import { answerOf } from './write-plan';

/** Extending a session rewrites its row; skip it while the expiry moved less than this. */
const SESSION_TOUCH_MS = 60_000;

/** At most this many queued writes share one transaction; more wait for the next one. */
const MAX_GROUP = 256;

/** A queued write and the caller waiting for it. */
interface PendingWrite {
  request: T.WriteRequest;
  resolve: (result: T.WriteResult) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; result: T.WriteResult } | { ok: false; error: unknown };

/** Prepared statements of the read and auth paths. */
function readStatements(db: Database.Database) {
  return {
    states: db.prepare<[], StateRow>('SELECT * FROM resource_state'),
    stateOf: db.prepare<[string], StateRow>('SELECT * FROM resource_state WHERE resource = ?'),
    items: db.prepare<[string], { id: string; version: number; data: string }>(
      'SELECT id, version, data FROM items WHERE resource = ? ORDER BY id',
    ),
    changesOf: db.prepare<[string, number], ChangeRow>(
      'SELECT * FROM changes WHERE resource = ? AND version > ? ORDER BY version',
    ),
    changesAfter: db.prepare<[number], ChangeRow>('SELECT * FROM changes WHERE seq > ? ORDER BY seq'),
    logState: db.prepare<[], { last_seq: number; pruned_seq: number }>(
      'SELECT last_seq, pruned_seq FROM log_state WHERE id = 1',
    ),
    pins: db.prepare<[], T.PinRecord & { data: string }>(
      `SELECT p.employee_id AS employeeId, p.hash, i.data FROM employee_pins p
       JOIN items i ON i.resource = 'employee' AND i.id = p.employee_id ORDER BY p.employee_id`,
    ),
    session: db.prepare<[string], { employee_id: string; expires_at: number }>(
      'SELECT employee_id, expires_at FROM sessions WHERE token_hash = ?',
    ),
    insertSession: db.prepare(
      'INSERT INTO sessions (token_hash, employee_id, expires_at, created_at) VALUES (?, ?, ?, ?)',
    ),
    touchSession: db.prepare('UPDATE sessions SET expires_at = ? WHERE token_hash = ?'),
    deleteSession: db.prepare('DELETE FROM sessions WHERE token_hash = ?'),
    expireSessions: db.prepare('DELETE FROM sessions WHERE expires_at <= ?'),
    expireAnswers: db.prepare('DELETE FROM idempotency WHERE created_at <= ?'),
    resetStates: db.prepare(
      'UPDATE resource_state SET version = 0, digest = ?, count = 0, pruned_through = 0',
    ),
    // Every seq up to the newest is gone: a resume from any of them is too old.
    forgetLog: db.prepare('UPDATE log_state SET pruned_seq = last_seq WHERE id = 1'),
  };
}

/** The database file inside DATA_DIR. */
export function databasePath(dataDir: string): string {
  return join(dataDir, 'red-coral.sqlite');
}

export interface SqliteOptions {
  /** Changes kept per type in the log. */
  logRetention: number;
}

export class SqliteStorage implements T.Storage, T.DrillHooks {
  private readonly db: Database.Database;
  private readonly w: ReturnType<typeof writeStatements>;
  private readonly q: ReturnType<typeof readStatements>;
  private readonly listeners = new Set<(changes: T.Change[]) => void>();
  /** Writes waiting for the next group commit, in arrival order. */
  private pending: PendingWrite[] = [];
  private flushTimer: NodeJS.Immediate | null = null;
  /** One write inside the group's transaction: better-sqlite3 nests it as a SAVEPOINT. */
  private readonly applyInSavepoint: (request: T.WriteRequest, now: number) => T.WriteResult;
  private readonly cache = new SessionCache();

  /** Opens (creating if needed) the database in `dataDir`. */
  static open(dataDir: string, options: SqliteOptions): SqliteStorage {
    mkdirSync(dataDir, { recursive: true });
    return new SqliteStorage(new Database(databasePath(dataDir)), options);
  }

  constructor(
    db: Database.Database,
    private readonly options: SqliteOptions,
  ) {
    this.db = db;
    prepareDatabase(db);
    this.w = writeStatements(db);
    this.q = readStatements(db);
    this.applyInSavepoint = db.transaction((request: T.WriteRequest, now: number) =>
      applyWrite(this.w, request, this.options.logRetention, now),
    );
  }

  private readStates(): T.ResourceStates {
    const versions = {} as PerResource<number>;
    const digests = {} as PerResource<string>;
    const counts = {} as PerResource<number>;
    const rows = new Map(this.q.states.all().map((r) => [r.resource, r]));
    for (const r of RESOURCE_NAMES) {
      const row = rows.get(r)!;
      versions[r] = row.version;
      digests[r] = row.digest;
      counts[r] = row.count;
    }
    return { versions, digests, counts };
  }

  async status(): Promise<T.ResourceStates> {
    return this.db.transaction(() => this.readStates()).deferred();
  }

  async list(resource: ResourceName) {
    return this.db
      .transaction(() => {
        const state = this.q.stateOf.get(resource)!;
        const items = this.q.items.all(resource).map((r) => toItem(r.id, r.version, r.data));
        return { version: state.version, digest: state.digest, items };
      })
      .deferred();
  }

  async get(resource: ResourceName, id: string): Promise<Item | null> {
    const row = this.w.item.get(resource, id);
    return row ? toItem(id, row.version, row.data) : null;
  }

  /** Queues the write for the next group commit; settles once that COMMIT returned. */
  write(request: T.WriteRequest): Promise<T.WriteResult> {
    return new Promise<T.WriteResult>((resolve, reject) => {
      this.pending.push({ request, resolve, reject });
      this.flushTimer ??= setImmediate(() => this.flushWrites());
    });
  }

  /** All-or-nothing: one transaction, any error rolls back every request (the demo seed). */
  async writeBatch(requests: T.WriteRequest[]): Promise<T.WriteResult[]> {
    this.flushWrites(); // writes asked for earlier commit first
    const now = Date.now();
    const results = this.db
      .transaction(() => requests.map((r) => applyWrite(this.w, r, this.options.logRetention, now)))
      .immediate();
    this.afterCommit(results.flatMap((r) => (r.change ? [r.change] : [])));
    return results;
  }

  /** Commits every queued write, in groups of at most MAX_GROUP. */
  private flushWrites(): void {
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = null;
    while (this.pending.length > 0) this.commitGroup(this.pending.splice(0, MAX_GROUP));
  }

  /**
   * One transaction for the group, one SAVEPOINT per write: a write's ApiError (or any
   * error) rolls back its savepoint only. If SQLite itself abandoned the transaction
   * (I/O error, disk full) or BEGIN/COMMIT failed, nothing of the group committed and
   * every write of it fails with that error.
   */
  private commitGroup(group: PendingWrite[]): void {
    const now = Date.now();
    const outcomes: Outcome[] = [];
    try {
      this.db
        .transaction(() => {
          for (const { request } of group) {
            try {
              outcomes.push({ ok: true, result: this.applyInSavepoint(request, now) });
            } catch (error) {
              if (!this.db.inTransaction) throw error;
              outcomes.push({ ok: false, error });
            }
          }
        })
        .immediate();
    } catch (error) {
      for (const p of group) p.reject(error);
      return;
    }
    const changes: T.Change[] = [];
    for (const o of outcomes) if (o.ok && o.result.change) changes.push(o.result.change);
    let listenerError: { error: unknown } | null = null;
    try {
      this.afterCommit(changes);
    } catch (error) {
      // Committed, but a listener failed: the callers hear it, as they did before grouping.
      listenerError = { error };
    }
    group.forEach((p, i) => {
      const o = outcomes[i]!;
      if (!o.ok) p.reject(o.error);
      else if (listenerError && o.result.change) p.reject(listenerError.error);
      else p.resolve(o.result);
    });
  }

  /** After a commit: drop cached sessions the changes may affect, then tell the listeners. */
  private afterCommit(changes: T.Change[]): void {
    if (changes.length === 0) return;
    // Employees and roles decide who a session is and what it may do; deleting an
    // employee deletes their sessions. Such writes are rare: drop the whole cache.
    if (changes.some((c) => c.resource === 'employee' || c.resource === 'role')) this.cache.clear();
    for (const listener of this.listeners) listener(changes);
  }

  async findAnswer(actor: string, idempotency: T.IdempotencyRequest): Promise<T.StoredAnswer | null> {
    return answerOf(this.w.answer.get(idempotency.key, actor), idempotency);
  }

  async changes(resource: ResourceName, since: number): Promise<T.ChangesPage> {
    return this.db
      .transaction(() => {
        const state = this.q.stateOf.get(resource)!;
        const changes = since >= state.version ? [] : this.q.changesOf.all(resource, since).map(toChange);
        return { version: state.version, prunedThrough: state.pruned_through, changes };
      })
      .deferred();
  }

  async streamStart(afterSeq: number | null): Promise<T.StreamStart> {
    return this.db
      .transaction(() => {
        const { versions, digests } = this.readStates();
        const log = this.q.logState.get()!;
        const replayable = afterSeq !== null && afterSeq >= log.pruned_seq && afterSeq <= log.last_seq;
        const changes = replayable ? this.q.changesAfter.all(afterSeq).map(toChange) : null;
        return { versions, digests, lastSeq: log.last_seq, prunedSeq: log.pruned_seq, changes };
      })
      .deferred();
  }

  onCommit(listener: (changes: T.Change[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async isNew(): Promise<boolean> {
    return this.q.logState.get()!.last_seq === 0;
  }

  /** One process owns the file, so the callers' own in-process queues are enough. */
  async exclusive<T>(_name: string, task: () => Promise<T>): Promise<T> {
    return task();
  }

  async pinHashes(activeOnly: boolean): Promise<T.PinRecord[]> {
    return this.q.pins
      .all()
      .filter((row) => !activeOnly || (JSON.parse(row.data) as { active?: boolean }).active !== false)
      .map(({ employeeId, hash }) => ({ employeeId, hash }));
  }

  async createSession(session: T.SessionRecord): Promise<void> {
    this.q.insertSession.run(session.tokenHash, session.employeeId, session.expiresAt, session.createdAt);
  }

  /**
   * From memory when cached: the session row, and the employee with their role's
   * permissions. The cache follows every write (see `afterCommit`, `deleteSession`,
   * `wipe`), so a logout, a deactivated or deleted employee and a role change take effect
   * for the next request. The sliding expiry is written back as before: at most once a
   * minute (SESSION_TOUCH_MS, or a tenth of the TTL if shorter).
   */
  async findSession(tokenHash: string, now: number, ttlMs: number): Promise<T.ActiveSession | null> {
    const session = this.cache.session(tokenHash, () => {
      const row = this.q.session.get(tokenHash);
      return row ? { employeeId: row.employee_id, expiresAt: row.expires_at } : null;
    });
    if (!session) return null;
    if (session.expiresAt <= now) {
      this.q.deleteSession.run(tokenHash);
      this.cache.forget(tokenHash);
      return null;
    }
    const { employee, permissions } = this.principal(session.employeeId);
    // An employee switched inactive loses access at once, without a logout.
    if (!employee?.active) return null;
    if (now + ttlMs - session.expiresAt >= Math.min(SESSION_TOUCH_MS, ttlMs / 10)) {
      session.expiresAt = now + ttlMs;
      this.q.touchSession.run(session.expiresAt, tokenHash);
    }
    return { employee, permissions: [...permissions], expiresAt: session.expiresAt };
  }

  /** The employee and their role's permissions, cached until an employee or role changes. */
  private principal(employeeId: string): Principal {
    return this.cache.principal(employeeId, () => {
      const employeeRow = this.w.item.get('employee', employeeId);
      const employee = employeeRow
        ? (toItem(employeeId, employeeRow.version, employeeRow.data) as Item<'employee'>)
        : null;
      const roleRow = employee ? this.w.item.get('role', employee.roleId) : undefined;
      const role = roleRow ? (toItem(employee!.roleId, roleRow.version, roleRow.data) as Item<'role'>) : null;
      return { employee, permissions: role ? [...role.permissions] : [] };
    });
  }

  async deleteSession(tokenHash: string): Promise<void> {
    this.q.deleteSession.run(tokenHash);
    this.cache.forget(tokenHash);
  }

  async cleanup(now: number, idempotencyTtlMs: number): Promise<void> {
    this.q.expireSessions.run(now);
    this.cache.expire(now);
    this.q.expireAnswers.run(now - idempotencyTtlMs);
  }

  /** One process owns the file, so the epoch is this process's own. */
  readonly sharesEpoch = false;

  async wipe(): Promise<void> {
    this.flushWrites(); // writes asked for before the wipe are wiped with the rest
    this.db
      .transaction(() => {
        // `changes.seq` is AUTOINCREMENT: sqlite_sequence keeps its high-water mark, so
        // the reseed's changes get seqs above every seq ever handed out.
        this.db.exec(
          'DELETE FROM refs; DELETE FROM items; DELETE FROM employee_pins; DELETE FROM sessions; ' +
            'DELETE FROM idempotency; DELETE FROM changes;',
        );
        this.q.resetStates.run(EMPTY_DIGEST);
        this.q.forgetLog.run();
      })
      .immediate();
    this.cache.clear();
  }

  async close(): Promise<void> {
    if (this.db.open) this.flushWrites();
    if (this.db.open) this.db.close();
  }
}
