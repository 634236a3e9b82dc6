/** The sync engine's public API: what src/app imports. */
export { SyncError } from './api';
export { createSyncEngine, type SyncEngineOptions } from './engine';
export type { EventSourceConstructor, EventSourceLike } from './eventStream';
export { useResource, useSyncConnection } from './hooks';
export type { Persistence } from './persistence';
export { NETWORK_BACK_MESSAGE, watchReconnectSignals } from './reconnect';
export type * from './types';
