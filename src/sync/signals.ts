/**
 * What the engine does with each signal of the event stream, the same in the leader tab
 * and in its followers: one dispatcher, one case per signal, and a switch the compiler
 * checks is complete.
 */
import { exhaustiveSwitchError } from '../shared/exhaustive';
import type { HeartbeatEvent, HelloEvent, SyncEvent } from '../shared/protocol';
import { isResourceName } from '../shared/resources';
import type { Connection } from './connection';
import { drillLogMessage } from './drillNotice';
import type { StreamSignal } from './eventStream';
import type { SyncLog } from './syncLog';

/** What the signals act on. */
export interface SignalTargets {
  connection: Pick<Connection, 'phase' | 'setPhase' | 'synced'>;
  log: SyncLog;
  check(reason: string): void;
  /** Hands an event to its type's store; resolves once it is applied. */
  applySync(event: SyncEvent): Promise<void>;
  /** After pending events are applied: does the server's summary differ from what we hold? */
  differs(summary: HelloEvent | HeartbeatEvent): Promise<boolean>;
}

export function handleSignal(signal: StreamSignal, to: SignalTargets): void {
  switch (signal.type) {
    case 'open':
      to.connection.setPhase('open');
      to.log.add({ kind: 'stream_open', message: 'event stream open' });
      to.check('stream open');
      return;
    case 'closed':
      if (to.connection.phase() !== 'closed')
        to.log.add({ kind: 'stream_closed', message: 'event stream lost; retrying' });
      to.connection.setPhase('closed');
      return;
    case 'sync':
      if (!isResourceName(signal.data.resource)) return;
      void to.applySync(signal.data).then(() => to.connection.synced());
      return;
    case 'hello':
    case 'heartbeat':
      void to
        .differs(signal.data)
        .then((stale) => (stale ? to.check(`${signal.type} shows a difference`) : to.connection.synced()));
      return;
    case 'reset':
      to.log.add({ kind: 'reset', message: `server reset the stream (${signal.data.reason})` });
      to.check(`reset: ${signal.data.reason}`);
      return;
    case 'drill':
      // Logged only: the engine must notice and repair the fault by its own rules.
      to.log.add({ kind: 'fault', message: drillLogMessage(signal.data), drill: signal.data.fault });
      return;
    default:
      exhaustiveSwitchError(signal, 'type');
  }
}
