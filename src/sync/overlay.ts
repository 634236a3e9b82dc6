/**
 * What a store shows: the server's items with this device's unsettled writes laid over
 * them, in outbox order. The server's copy stays untouched underneath (in IndexedDB and
 * in memory, with its version and digest), so an incoming event changes only the copy
 * underneath and the pending change is laid over it again, and a rollback is exact: the
 * entry stops being laid over.
 */
import type { SyncAction } from '../shared/protocol';
import type { Item, ResourceName } from '../shared/resources';
import type { LocalCopy } from './draft';
import type { OutboxEntry, OutboxState } from './types';

/** The server's answer to an own write, shown until the server's copy reaches its version. */
export interface Acknowledged<R extends ResourceName> {
  /** The outbox entry it answers: no longer laid over, even before it leaves the outbox. */
  seq: number;
  action: SyncAction;
  id: string;
  version: number;
  data: Item<R> | null;
}

/** Entries whose change is shown; refused ones show the server's state again. */
export const isShown = (e: OutboxEntry) => e.state === 'pending' || e.state === 'sending';

/** The items to show; the server's map itself when nothing is laid over (no copy, no re-render). */
export function overlay<R extends ResourceName>(
  server: Map<string, Item<R>>,
  entries: OutboxEntry[],
  acknowledged: Acknowledged<R>[],
): Map<string, Item<R>> {
  const shown = entries.filter(isShown);
  if (shown.length === 0 && acknowledged.length === 0) return server;
  const view = new Map(server);
  for (const ack of acknowledged) {
    if (ack.data) view.set(ack.id, ack.data);
    else view.delete(ack.id);
  }
  for (const e of shown) {
    const current = view.get(e.itemId);
    if (e.action === 'delete') view.delete(e.itemId);
    // Version 0: not on the server yet.
    else if (e.action === 'create') view.set(e.itemId, { ...e.fields, id: e.itemId, version: 0 } as Item<R>);
    // The server's version stays: it is what the change is based on.
    else if (current) view.set(e.itemId, { ...current, ...e.fields, id: e.itemId, version: current.version });
  }
  return view;
}

/** Ids with an entry, and the state of the newest one (what a row's badge says). */
export function pendingIds(entries: OutboxEntry[]): Record<string, OutboxState> {
  const marks: Record<string, OutboxState> = {};
  for (const e of entries) {
    const previous = marks[e.itemId];
    // A stopped entry keeps the item's later entries waiting: the row says so.
    if (previous === 'conflict' || previous === 'failed') continue;
    marks[e.itemId] = e.state;
  }
  return marks;
}

/** One store's layers over the server's copy: its outbox entries, and the server's answers to them. */
export class Layers<R extends ResourceName> {
  entries: OutboxEntry[] = [];
  private acknowledged: (Acknowledged<R> & { epoch: string | null })[] = [];
  /** Entries the server answered that are still on their way out of the outbox. */
  private readonly answered = new Set<number>();

  /** Takes the outbox's entries of this type; false when they are the ones already laid over. */
  setEntries(next: OutboxEntry[]): boolean {
    if (next.length === this.entries.length && next.every((e, i) => e === this.entries[i])) return false;
    this.entries = next;
    for (const seq of this.answered) if (!next.some((e) => e.seq === seq)) this.answered.delete(seq);
    return true;
  }

  acknowledge(answer: Acknowledged<R>, epoch: string | null): void {
    this.answered.add(answer.seq);
    this.acknowledged.push({ ...answer, epoch });
  }

  /** The items to show over `server`; answers its copy has reached are dropped. */
  view(server: LocalCopy<R>): Map<string, Item<R>> {
    this.acknowledged = this.acknowledged.filter(
      (a) => a.epoch === server.epoch && a.version > server.lastVersion,
    );
    const open = this.entries.filter((e) => !this.answered.has(e.seq));
    return overlay(server.items, open, this.acknowledged);
  }
}
