/** What every route module gets from buildApp: storage, the epoch, settings, the hub. */
import type { AppConfig } from './config';
import type { DrillMode } from './drills/mode';
import type { SseHub } from './sse/hub';
import type { LockoutStore, Storage } from './storage/types';

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
}
