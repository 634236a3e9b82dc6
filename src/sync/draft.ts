/**
 * A working copy of one type's local state: a batch of events, a catch-up or a snapshot is
 * applied here first, then written to IndexedDB in one transaction, and only then becomes
 * the store's state. So a failed write leaves both IndexedDB and memory as they were.
 */
import { digestOf, type itemHash, updateDigest } from '../shared/digest';
import type { Snapshot, SyncEvent } from '../shared/protocol';
import type { Item, ResourceName } from '../shared/resources';
import type { TypeCommit } from './db';

/** What the digest functions accept; every item is one (generic items just do not show it). */
type Hashable = Parameters<typeof itemHash>[0];

/** What a store holds of one type, besides its UI flags. */
export interface LocalCopy<R extends ResourceName> {
  items: Map<string, Item<R>>;
  lastVersion: number;
  epoch: string | null;
  digest: string;
}

/** A local copy of the given items, with their digest computed from scratch. */
export function localCopyOf<R extends ResourceName>(
  items: Item<R>[],
  lastVersion: number,
  epoch: string | null,
): LocalCopy<R> {
  return {
    items: new Map(items.map((item) => [item.id, item] as const)),
    lastVersion,
    epoch,
    digest: digestOf(items as Hashable[]),
  };
}

/**
 * A local copy read back from IndexedDB. Its digest is the one stored in sync_meta, which
 * is written in the same transaction as the items; recomputing it would cost the boot a
 * hash of every item, so `digestOfItems` checks it later, before it is compared with the server's.
 */
export function storedCopyOf<R extends ResourceName>(
  items: Item<R>[],
  meta: { lastVersion: number; epoch: string | null; digest: string },
): LocalCopy<R> {
  return {
    items: new Map(items.map((item) => [item.id, item] as const)),
    lastVersion: meta.lastVersion,
    epoch: meta.epoch,
    digest: meta.digest,
  };
}

/** The digest of a copy's items, computed from scratch. */
export function digestOfItems<R extends ResourceName>(copy: LocalCopy<R>): string {
  return digestOf(copy.items.values() as Iterable<Hashable>);
}

export class Draft<R extends ResourceName> {
  readonly resource: R;
  items: Map<string, Item<R>>;
  version: number;
  epoch: string | null;
  digest: string;
  /** Replace every stored item (snapshot) instead of writing the changed ones. */
  readonly replaceAll: boolean;
  private readonly upserts = new Map<string, Item<R>>();
  private readonly deletes = new Set<string>();
  private copied = false;
  changes = 0;

  private constructor(resource: R, base: LocalCopy<R>, replaceAll: boolean) {
    this.resource = resource;
    this.items = base.items;
    this.version = base.lastVersion;
    this.epoch = base.epoch;
    this.digest = base.digest;
    this.replaceAll = replaceAll;
  }

  /** A draft on top of the current local copy; the copy itself is never mutated. */
  static from<R extends ResourceName>(resource: R, base: LocalCopy<R>): Draft<R> {
    return new Draft(resource, base, false);
  }

  /** A draft that replaces every stored item of the type with `base`. */
  static replacing<R extends ResourceName>(resource: R, base: LocalCopy<R>): Draft<R> {
    const draft = new Draft(resource, base, true);
    draft.copied = true;
    return draft;
  }

  /** A draft that replaces the type with a server snapshot (digest computed here, not trusted). */
  static fromSnapshot<R extends ResourceName>(resource: R, snapshot: Snapshot<R>): Draft<R> {
    return Draft.replacing(resource, localCopyOf(snapshot.items, snapshot.version, snapshot.epoch));
  }

  /** True when applying the draft changes anything worth a write. */
  get dirty(): boolean {
    return this.replaceAll || this.changes > 0;
  }

  /** Applies the next change; the caller has checked that it is `version + 1`. */
  apply(event: SyncEvent<R>): void {
    if (!this.copied) {
      this.items = new Map(this.items);
      this.copied = true;
    }
    const old = this.items.get(event.id) ?? null;
    if (event.action === 'deleted' || event.data === null) {
      this.items.delete(event.id);
      this.upserts.delete(event.id);
      this.deletes.add(event.id);
      this.digest = updateDigest(this.digest, old, null);
    } else {
      const item = event.data;
      this.items.set(item.id, item);
      this.deletes.delete(item.id);
      this.upserts.set(item.id, item);
      this.digest = updateDigest(this.digest, old, item);
    }
    this.version = event.version;
    this.changes++;
  }

  /** Moves the draft into another epoch at a version the server vouched for by digest. */
  adopt(epoch: string, version: number): void {
    this.epoch = epoch;
    this.version = version;
    this.changes++;
  }

  /** The IndexedDB write that makes this draft durable. */
  toCommit(syncedAt: number): TypeCommit<R> {
    return {
      resource: this.resource,
      replaceAll: this.replaceAll,
      upserts: this.replaceAll ? [...this.items.values()] : [...this.upserts.values()],
      deletes: this.replaceAll ? [] : [...this.deletes],
      meta: {
        resource: this.resource,
        lastVersion: this.version,
        epoch: this.epoch,
        digest: this.digest,
        syncedAt,
      },
    };
  }

  toLocal(): LocalCopy<R> {
    return { items: this.items, lastVersion: this.version, epoch: this.epoch, digest: this.digest };
  }
}
