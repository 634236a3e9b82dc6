/** The sync engine's public API: what src/app imports. */
export { countStoredOutbox } from './db';
export { createSyncEngine, type SyncEngineOptions } from './engine';
export { errorFromResponse, errorInfo, SyncError, unreachable } from './errors';
export type { EventSourceConstructor, EventSourceLike } from './eventStream';
export { useResource, useSyncConnection } from './hooks';
export type { Persistence } from './persistence';
export { watchReconnectSignals } from './reconnect';
export type * from './types';
