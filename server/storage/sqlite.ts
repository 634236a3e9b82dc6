/**
 * Storage on SQLite via better-sqlite3 (synchronous, WAL, FULL sync for durable commits).
 * The interface is async for the sake of other back ends; here every method finishes
 * in the same tick, which also makes commit order and listener order identical.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EMPTY_DIGEST } from '../../src/shared/digest';
import type { PerResource } from '../../src/shared/protocol';
import { type Item, RESOURCE_NAMES, type ResourceName } from '../../src/shared/resources';
import { type ChangeRow, keyReused, toChange, toItem } from './items';
import { prepareDatabase } from './sqlite-schema';
import { applyWrite, writeStatements } from './sqlite-write';
import type {
  ActiveSession,
  Change,
  ChangesPage,
  IdempotencyRequest,
  PinRecord,
  ResourceStates,
  SessionRecord,
  Storage,
  StoredAnswer,
  StreamStart,
  WriteRequest,
  WriteResult,
} from './types';

interface StateRow {
  resource: string;
  version: number;
  digest: string;
  count: number;
  pruned_through: number;
}

/** Extending a session rewrites its row; skip it while the expiry moved less than this. */
const SESSION_TOUCH_MS = 60_000;

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
    pins: db.prepare<[], PinRecord & { data: string }>(
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

export class SqliteStorage implements Storage {
  private readonly db: Database.Database;
  private readonly w: ReturnType<typeof writeStatements>;
  private readonly q: ReturnType<typeof readStatements>;
  private readonly listeners = new Set<(changes: Change[]) => void>();

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
  }

  private readStates(): ResourceStates {
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

  async status(): Promise<ResourceStates> {
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

  async write(request: WriteRequest): Promise<WriteResult> {
    const [result] = await this.writeBatch([request]);
    return result!;
  }

  async writeBatch(requests: WriteRequest[]): Promise<WriteResult[]> {
    const now = Date.now();
    const results = this.db
      .transaction(() => requests.map((r) => applyWrite(this.w, r, this.options.logRetention, now)))
      .immediate();
    const changes = results.flatMap((r) => (r.change ? [r.change] : []));
    if (changes.length > 0) for (const listener of this.listeners) listener(changes);
    return results;
  }

  async findAnswer(actor: string, idempotency: IdempotencyRequest): Promise<StoredAnswer | null> {
    const stored = this.w.answer.get(idempotency.key, actor);
    if (!stored) return null;
    if (stored.fingerprint !== idempotency.fingerprint) throw keyReused();
    return { status: stored.status, body: JSON.parse(stored.body) };
  }

  async changes(resource: ResourceName, since: number): Promise<ChangesPage> {
    return this.db
      .transaction(() => {
        const state = this.q.stateOf.get(resource)!;
        const changes = since >= state.version ? [] : this.q.changesOf.all(resource, since).map(toChange);
        return { version: state.version, prunedThrough: state.pruned_through, changes };
      })
      .deferred();
  }

  async streamStart(afterSeq: number | null): Promise<StreamStart> {
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

  onCommit(listener: (changes: Change[]) => void): () => void {
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

  async pinHashes(activeOnly: boolean): Promise<PinRecord[]> {
    return this.q.pins
      .all()
      .filter((row) => !activeOnly || (JSON.parse(row.data) as { active?: boolean }).active !== false)
      .map(({ employeeId, hash }) => ({ employeeId, hash }));
  }

  async createSession(session: SessionRecord): Promise<void> {
    this.q.insertSession.run(session.tokenHash, session.employeeId, session.expiresAt, session.createdAt);
  }

  async findSession(tokenHash: string, now: number, ttlMs: number): Promise<ActiveSession | null> {
    const session = this.q.session.get(tokenHash);
    if (!session) return null;
    if (session.expires_at <= now) {
      this.q.deleteSession.run(tokenHash);
      return null;
    }
    const employee = (await this.get('employee', session.employee_id)) as Item<'employee'> | null;
    // An employee switched inactive loses access at once, without a logout.
    if (!employee?.active) return null;
    const role = (await this.get('role', employee.roleId)) as Item<'role'> | null;
    let expiresAt = session.expires_at;
    if (now + ttlMs - expiresAt >= Math.min(SESSION_TOUCH_MS, ttlMs / 10)) {
      expiresAt = now + ttlMs;
      this.q.touchSession.run(expiresAt, tokenHash);
    }
    return { employee, permissions: role ? [...role.permissions] : [], expiresAt };
  }

  async deleteSession(tokenHash: string): Promise<void> {
    this.q.deleteSession.run(tokenHash);
  }

  async cleanup(now: number, idempotencyTtlMs: number): Promise<void> {
    this.q.expireSessions.run(now);
    this.q.expireAnswers.run(now - idempotencyTtlMs);
  }

  /** One process owns the file, so the epoch is this process's own. */
  readonly sharesEpoch = false;

  async wipe(): Promise<void> {
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
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
