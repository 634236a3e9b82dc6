/** What every route module gets from buildApp: storage, the epoch, settings, the hub. */
import type { AppConfig } from './config';
import type { ConnectionGuard } from './connections';
import type { DrillMode } from './drills/mode';
import type { SseHub } from './sse/hub';
import type { LockoutStore, Storage } from './storage/types';
import type { TlsMaterial } from './tls/prepare';

export interface AppContext {
  storage: Storage;
  /**
   * The epoch served now (the hub's). Drill mode can replace it in-process, so routes
   * read it per request and never keep a copy.
   */
  readonly epoch: string;
  config: AppConfig;
  hub: SseHub;
  /** Wrong-PIN lockout: in memory on SQLite, in the shared database on PostgreSQL. */
  lockout: LockoutStore;
  /** Drill mode's state (server/drills), or null when RED_CORAL_DRILLS is off. */
  drills: DrillMode | null;
  /** What the HTTPS port serves with, or null when it is off. */
  tls: TlsMaterial | null;
  /** The ports listened on now (null: not listening, or no HTTPS). */
  ports(): { httpPort: number | null; httpsPort: number | null };
  /** The cap on open connections; event streams report themselves to it. */
  connections: ConnectionGuard;
}
