/**
 * The `Sync status` live region. Its text is exactly one word, `Online`, `Syncing` or
 * `Offline`, so QA and screen readers read the state alone; the data's age sits beside
 * it (described-by, not inside), because it changes every minute and would be re-announced.
 */
import { formatAge } from '../format';
import { useConnection, useNow } from '../hooks';

const WORDS = { online: 'Online', syncing: 'Syncing', offline: 'Offline' } as const;

export function SyncStatus() {
  const { state, lastSyncedAt } = useConnection();
  const now = useNow(30_000);
  const age =
    state === 'offline' ? (lastSyncedAt ? `data from ${formatAge(lastSyncedAt, now)}` : 'no data yet') : null;
  return (
    <div className={`sync-status sync-status--${state}`}>
      <span className="sync-status__dot" aria-hidden="true" />
      <span role="status" aria-label="Sync status" aria-describedby={age ? 'sync-age' : undefined}>
        {WORDS[state]}
      </span>
      {age && (
        <span id="sync-age" className="sync-status__age">
          · {age}
        </span>
      )}
    </div>
  );
}
