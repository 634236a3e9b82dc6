/** What every route module gets from buildApp: storage, the epoch, settings, the hub. */
import type { Lockout } from './auth/lockout';
import type { AppConfig } from './config';
import type { SseHub } from './sse/hub';
import type { Storage } from './storage/types';

export interface AppContext {
  storage: Storage;
  epoch: string;
  config: AppConfig;
  hub: SseHub;
  lockout: Lockout;
}
