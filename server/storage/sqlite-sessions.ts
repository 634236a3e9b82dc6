/**
 * The SQLite storage's session cache: session rows and, per employee, the employee item
 * and their role's permissions, so checking a session costs no query. One process owns
 * the file, so memory can follow every write exactly: the storage drops a session on
 * logout and everything when an employee or role is written (see `SqliteStorage`),
 * hence a logout, a deactivated or deleted employee and a role change take effect for
 * the next request. PostgreSQL has no such cache: other instances write there too.
 */
import type { Item, Permission } from '../../src/shared/resources';

/** Cached sessions beyond this are dropped (they are re-read from the table on use). */
const MAX_CACHED_SESSIONS = 10_000;

/** A session row as cached: the table's row, kept in step with every write to it. */
export interface CachedSession {
  employeeId: string;
  expiresAt: number;
}

/** Who a session belongs to and what they may do, from the employee and role items. */
export interface Principal {
  employee: Item<'employee'> | null;
  permissions: readonly Permission[];
}

export class SessionCache {
  private readonly sessions = new Map<string, CachedSession>();
  private readonly principals = new Map<string, Principal>();

  /** The cached session, else `load`'s row (cached when found). */
  session(tokenHash: string, load: () => CachedSession | null): CachedSession | null {
    let session = this.sessions.get(tokenHash);
    if (!session) {
      const loaded = load();
      if (!loaded) return null;
      session = loaded;
      if (this.sessions.size >= MAX_CACHED_SESSIONS) this.sessions.clear();
      this.sessions.set(tokenHash, session);
    }
    return session;
  }

  /** The cached principal of an employee, else `load`'s. */
  principal(employeeId: string, load: () => Principal): Principal {
    let principal = this.principals.get(employeeId);
    if (!principal) {
      principal = load();
      this.principals.set(employeeId, principal);
    }
    return principal;
  }

  /** A session ended (logout, expiry). */
  forget(tokenHash: string): void {
    this.sessions.delete(tokenHash);
  }

  /** Drops sessions that expired by `now`. */
  expire(now: number): void {
    for (const [hash, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(hash);
  }

  /** An employee or role changed, or the database was wiped: nothing cached holds. */
  clear(): void {
    this.sessions.clear();
    this.principals.clear();
  }
}
