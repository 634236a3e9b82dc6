/**
 * The outbox, for the person who made the changes: what still waits for the server, and
 * what the server refused or found in conflict, each with what happened and the choices
 * (Retry, Discard, Apply mine on top). Shown on Manage and on Diagnostics.
 */
import { useState } from 'react';
import { useStore } from 'zustand';
import { canonicalJson } from '../../shared/digest';
import { type Item, RESOURCES } from '../../shared/resources';
import type { OutboxEntry, ResourceStore } from '../../sync/types';
import { engine } from '../engine';
import { formatClock, formatMoney } from '../format';
import { feedbackFor } from '../manage/errors';
import { fieldsOf } from '../manage/fields';
import { useVenue } from '../venue';

/** Every outbox entry, in the order they are sent. */
export function useOutboxEntries(): OutboxEntry[] {
  return useStore(engine.outbox.store, (s) => s.entries);
}

const VERB = { create: 'New', update: 'Edit', delete: 'Delete' } as const;
const STATE_LABEL = {
  pending: 'Waiting to be sent',
  sending: 'Sending…',
  conflict: 'Changed on another device',
  failed: 'Not accepted',
} as const;

/** A field's value the way a manager reads it. */
function shown(
  resource: OutboxEntry['resource'],
  key: string,
  value: unknown,
  currency: string | null,
): string {
  const field = fieldsOf(resource).find((f) => f.key === key);
  if (field?.kind === 'number' && field.money && typeof value === 'number')
    return formatMoney(value, currency);
  if (value === null || value === undefined || value === '') return '—';
  return typeof value === 'string' ? value : canonicalJson(value);
}

function labelOf(resource: OutboxEntry['resource'], key: string): string {
  return fieldsOf(resource).find((f) => f.key === key)?.label ?? key;
}

/** The item as this device shows it now (the server's state for a stopped entry), kept current. */
function useShownItem(entry: OutboxEntry): Item | undefined {
  const store = engine.stores[entry.resource] as unknown as ResourceStore;
  return useStore(store, (s) => s.byId[entry.itemId]);
}

/** What the person is told about a stopped entry. */
function reasonOf(entry: OutboxEntry): string | null {
  if (!entry.lastError) return null;
  const label = RESOURCES[entry.resource].label.toLowerCase();
  if (entry.state === 'conflict')
    return `Someone changed this ${label} on another device before your change reached the server. Yours was not applied, and neither was anything overwritten; the ${label} shows their version.`;
  return feedbackFor(entry.lastError, entry.resource, [], () => '').banner ?? entry.lastError.message;
}

function Changes({ entry, server }: { entry: OutboxEntry; server: Record<string, unknown> | undefined }) {
  const { currency } = useVenue();
  if (entry.action !== 'update' || !entry.fields) return null;
  const stopped = entry.state === 'conflict' || entry.state === 'failed';
  return (
    <ul className="pending__changes">
      {Object.entries(entry.fields).map(([key, mine]) => (
        <li key={key} data-field={key}>
          <span className="pending__field">{labelOf(entry.resource, key)}:</span>{' '}
          <span data-testid="mine">yours {shown(entry.resource, key, mine, currency)}</span>
          {stopped && server && (
            <span data-testid="theirs">
              {' '}
              · now on the server {shown(entry.resource, key, server[key], currency)}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

function Entry({ entry }: { entry: OutboxEntry }) {
  const [busy, setBusy] = useState(false);
  const item = useShownItem(entry);
  const name = item?.name ?? entry.itemName ?? entry.itemId;
  const { label } = RESOURCES[entry.resource];
  const stopped = entry.state === 'conflict' || entry.state === 'failed';
  const act = (action: (seq: number) => Promise<void>) => async () => {
    setBusy(true);
    try {
      await action(entry.seq);
    } finally {
      setBusy(false);
    }
  };
  const reason = reasonOf(entry);
  return (
    <li
      className={`pending__entry pending__entry--${entry.state}`}
      data-seq={entry.seq}
      data-state={entry.state}
    >
      <div className="pending__head">
        <span className="row__title">
          {VERB[entry.action]} {label.toLowerCase()} “{name}”
        </span>
        <span className={`badge badge--${entry.state}`}>{STATE_LABEL[entry.state]}</span>
        <time className="muted">{formatClock(entry.createdAt)}</time>
      </div>
      <Changes entry={entry} server={item as Record<string, unknown> | undefined} />
      {stopped && reason && <p className="pending__reason">{reason}</p>}
      {!stopped && entry.lastError && (
        <p className="muted">Last try: {entry.lastError.message} It is sent again automatically.</p>
      )}
      {stopped && (
        <div className="form-actions">
          {entry.state === 'conflict' && (
            <button
              type="button"
              className="button button--primary"
              disabled={busy}
              onClick={act(engine.outbox.applyMine)}
            >
              Apply mine on top
            </button>
          )}
          <button type="button" className="button" disabled={busy} onClick={act(engine.outbox.retry)}>
            Retry
          </button>
          <button
            type="button"
            className="button button--danger-quiet"
            disabled={busy}
            onClick={act((seq) => engine.outbox.discard(seq))}
          >
            Discard
          </button>
        </div>
      )}
    </li>
  );
}

/** The outbox panel; nothing at all when the outbox is empty. */
export function PendingChanges() {
  const entries = useOutboxEntries();
  if (entries.length === 0) return null;
  const stopped = entries.filter((e) => e.state === 'conflict' || e.state === 'failed').length;
  const waiting = entries.length - stopped;
  const parts = [
    waiting > 0 ? `${waiting} ${waiting === 1 ? 'change' : 'changes'} waiting to be sent` : '',
    stopped > 0 ? `${stopped} ${stopped === 1 ? 'needs' : 'need'} your decision` : '',
  ].filter(Boolean);
  return (
    <section className={`pending${stopped > 0 ? ' pending--stopped' : ''}`} aria-label="Pending changes">
      <h2 className="pending__title" data-testid="pending-summary">
        {parts.join(' · ')}
      </h2>
      <ol className="pending__list">
        {entries.map((entry) => (
          <Entry key={entry.seq} entry={entry} />
        ))}
      </ol>
    </section>
  );
}
