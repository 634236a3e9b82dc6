/**
 * How a write from the form ended, as far as the person at the form needs to know: the
 * server took it, refused it, or it waits in the outbox (offline, or the server did not
 * answer) and will be sent on its own.
 */
import { errorInfo } from '../../sync';
import type { QueuedWrite, SyncErrorInfo } from '../../sync/types';
import { engine } from '../engine';

export type Outcome<T> =
  | { kind: 'saved'; value: T }
  | { kind: 'refused'; error: SyncErrorInfo }
  | { kind: 'queued' };

/** Waits for the server's answer while it can come now; says `queued` as soon as it cannot. */
export function outcomeOf<T>({ entry, settled }: QueuedWrite<T>): Promise<Outcome<T>> {
  return new Promise((resolve) => {
    let done = false;
    const stops: (() => void)[] = [];
    const finish = (outcome: Outcome<T>) => {
      if (done) return;
      done = true;
      for (const stop of stops) stop();
      resolve(outcome);
    };
    settled.then(
      (value) => finish({ kind: 'saved', value }),
      (error: unknown) => finish({ kind: 'refused', error: errorInfo(error) }),
    );
    const waiting = () => {
      const current = engine.outbox.store.getState().entries.find((e) => e.seq === entry.seq);
      // Tried and not reached, or no server to try: it stays queued and is sent later.
      if (
        engine.connection.getState().state === 'offline' ||
        (current?.state === 'pending' && current.lastError)
      )
        finish({ kind: 'queued' });
    };
    stops.push(engine.outbox.store.subscribe(waiting), engine.connection.subscribe(waiting));
    waiting();
  });
}

/** The form showed a refusal beside its fields: the entry is settled by that, not left to decide twice. */
export function dismissShown(seq: number): Promise<void> {
  return engine.outbox.discard(seq, 'refused; shown in the form, which keeps the draft');
}
