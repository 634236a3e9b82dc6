/**
 * For QA drills and support calls: the epoch, each type's local and server version,
 * digest and count, and the sync log, newest first.
 */
import { useState } from 'react';
import { useStore } from 'zustand';
import { RESOURCES } from '../../shared/resources';
import { errorInfo } from '../../sync';
import { PendingChanges, useOutboxEntries } from '../components/PendingChanges';
import { SyncLogList } from '../components/SyncLogList';
import { engine } from '../engine';
import { useConnection, useNow, usePersistence } from '../hooks';
import { persistenceText } from '../persistenceText';

/** Saves the engine's log as a JSON file. */
function downloadLog(): void {
  const blob = new Blob([engine.exportLog()], { type: 'application/json' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = `red-coral-sync-log-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

export function DiagnosticsScreen() {
  const connection = useConnection();
  const persistence = usePersistence();
  const entries = useStore(engine.log, (s) => s.entries);
  const outbox = useOutboxEntries();
  // Diagnostics are read on demand; the log and a slow tick decide when to read again.
  useNow(5_000);
  const rows = engine.diagnostics();
  const status = engine.lastStatus();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = async (label: string, action: () => Promise<void>) => {
    setBusy(label);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(`${label} failed: ${errorInfo(e).message}`);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="screen diagnostics" aria-labelledby="diagnostics-title">
      <div className="screen__header">
        <h1 id="diagnostics-title">Diagnostics</h1>
        <div className="toolbar">
          <button
            type="button"
            className="button"
            disabled={busy !== null}
            onClick={() => run('Check now', () => engine.check('manual'))}
          >
            Check now
          </button>
          <button
            type="button"
            className="button"
            disabled={busy !== null}
            onClick={() => run('Reload everything', () => engine.refreshAll())}
          >
            Reload everything
          </button>
          <button type="button" className="button" onClick={downloadLog}>
            Export log
          </button>
        </div>
      </div>
      {error && (
        <p className="notice notice--error" role="alert">
          {error}
        </p>
      )}
      <dl className="facts">
        <dt>Connection</dt>
        <dd>{connection.state}</dd>
        <dt>Epoch (local)</dt>
        <dd data-testid="local-epoch">
          <code>{connection.epoch ?? '—'}</code>
        </dd>
        <dt>Epoch (server)</dt>
        <dd data-testid="server-epoch">
          <code>{status?.epoch ?? '—'}</code>
        </dd>
        <dt>Last synced</dt>
        <dd>{connection.lastSyncedAt ? new Date(connection.lastSyncedAt).toLocaleString() : 'never'}</dd>
        <dt>Storage</dt>
        <dd data-testid="storage-persistence" data-state={persistence.state}>
          {persistenceText(persistence)}
        </dd>
      </dl>
      <div className="table-scroll">
        <table className="data-table">
          <caption>Resource types</caption>
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Version (local / server)</th>
              <th scope="col">Digest (local / server)</th>
              <th scope="col">Items (local / server)</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const inSync = r.serverDigest === null || r.serverDigest === r.localDigest;
              return (
                <tr
                  key={r.resource}
                  data-resource={r.resource}
                  className={inSync ? '' : 'data-table__row--off'}
                >
                  <th scope="row">{RESOURCES[r.resource].plural}</th>
                  <td data-testid="versions">
                    {r.localVersion} / {r.serverVersion ?? '—'}
                  </td>
                  <td className="data-table__digests" data-testid="digests">
                    <code>{r.localDigest}</code>
                    <code>{r.serverDigest ?? '—'}</code>
                  </td>
                  <td data-testid="counts">
                    {r.localCount} / {r.serverCount ?? '—'}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <h2>Outbox</h2>
      <p className="muted" data-testid="outbox-count">
        {outbox.length === 0
          ? 'Empty: every change made on this device has reached the server.'
          : `${outbox.length} entr${outbox.length === 1 ? 'y' : 'ies'}; this tab ${connection.isLeader ? 'sends them' : 'leaves sending to the leader tab'}.`}
      </p>
      <PendingChanges />
      <h2>Sync log</h2>
      <SyncLogList entries={entries} />
    </section>
  );
}
