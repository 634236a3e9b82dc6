/**
 * The connection state the `Sync status` region shows, derived from the event stream's
 * phase and whether sync work is running; and the probe of `/api/health` while offline.
 */
import { createStore } from 'zustand/vanilla';
import type { ConnectionState, SyncEngine } from './types';

/** Where the event stream stands (in this tab, or in the leader tab for followers). */
export type StreamPhase = 'connecting' | 'open' | 'closed';

export interface ConnectionOptions {
  probeIntervalMs: number;
  /** Resolves when the server answers `/api/health`, rejects otherwise. */
  health: () => Promise<unknown>;
  /** The server answered a probe; `first` once per outage (run the check then). */
  onReachable: (first: boolean) => Promise<void> | void;
}

export interface Connection {
  store: SyncEngine['connection'];
  phase(): StreamPhase;
  setPhase(phase: StreamPhase): void;
  /** Marks sync work (checks, reloads) so the state reads `syncing` meanwhile. */
  busyWhile<T>(task: () => Promise<T>): Promise<T>;
  /** The server just confirmed our data (for the data's age shown offline). */
  synced(at?: number): void;
  /**
   * A reconnect check ended: `reached` is false when it could not reach the server. Until a
   * check since the stream (re)opened reached it, the state reads `syncing`, not `online`:
   * an open stream alone does not mean the data was verified.
   */
  checked(reached: boolean): void;
  /** Allows probing again after `stop` (the engine was started again). */
  resume(): void;
  stop(): void;
}

export function createConnection(options: ConnectionOptions): Connection {
  const store = createStore<ReturnType<SyncEngine['connection']['getState']>>(() => ({
    state: 'syncing',
    epoch: null,
    lastSyncedAt: null,
    isLeader: false,
  }));
  let phase: StreamPhase = 'connecting';
  let busy = 0;
  /** A check reached the server since the stream last opened. */
  let verified = false;
  let probe: ReturnType<typeof setInterval> | null = null;
  let reachedThisOutage = false;
  let stopped = false;

  function update(): void {
    const state: ConnectionState =
      phase === 'closed' ? 'offline' : phase === 'connecting' || busy > 0 || !verified ? 'syncing' : 'online';
    if (store.getState().state !== state) store.setState({ state });
  }

  async function runProbe(): Promise<void> {
    try {
      await options.health();
    } catch {
      return;
    }
    const first = !reachedThisOutage;
    reachedThisOutage = true;
    await options.onReachable(first);
  }

  return {
    store,
    phase: () => phase,
    setPhase(next) {
      // A new connection may have missed anything: it counts as verified after its check.
      if (next === 'open' && phase !== 'open') verified = false;
      phase = next;
      update();
      if (next === 'closed' && !probe && !stopped) {
        reachedThisOutage = false;
        probe = setInterval(() => void runProbe(), options.probeIntervalMs);
        // The probe must not keep a Node process (tests, tools) alive.
        (probe as { unref?: () => void }).unref?.();
      }
      if (next !== 'closed' && probe) {
        clearInterval(probe);
        probe = null;
      }
    },
    async busyWhile(task) {
      busy++;
      update();
      try {
        return await task();
      } finally {
        busy--;
        update();
      }
    },
    synced(at = Date.now()) {
      store.setState({ lastSyncedAt: at });
    },
    checked(reached) {
      verified = reached;
      update();
    },
    resume() {
      stopped = false;
    },
    stop() {
      stopped = true;
      if (probe) clearInterval(probe);
      probe = null;
    },
  };
}
