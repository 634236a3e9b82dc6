/**
 * The sync log as the Diagnostics page lists it, newest first. Each row carries its kind in
 * `data-kind` for QA; a fault injected by a drill is labelled and styled apart, so a person
 * reading the log during a drill does not take it for a bug.
 */
import type { SyncLogEntry } from '../../sync/types';
import { formatClock } from '../format';

export function SyncLogList({ entries }: { entries: SyncLogEntry[] }) {
  return (
    <ol className="log" aria-label="Sync log">
      {[...entries].reverse().map((e) => (
        <li
          key={e.seq}
          className={`log__entry log__entry--${e.kind}${e.drill ? ' log__entry--injected' : ''}`}
          data-kind={e.kind}
          data-drill={e.drill}
        >
          <time className="log__time">{formatClock(e.at)}</time>
          <span className="log__kind">
            {e.drill ? (
              <span className="badge badge--injected" title={`${e.kind}: drill fault “${e.drill}”`}>
                Injected fault
              </span>
            ) : (
              e.kind
            )}
          </span>
          <span className="log__resource">{e.resource ?? ''}</span>
          <span className="log__message">{e.message}</span>
        </li>
      ))}
      {entries.length === 0 && <li className="empty">Nothing logged yet.</li>}
    </ol>
  );
}
