/**
 * Create, update and delete through a store. Every write goes into the outbox first (see
 * outbox.ts): it shows on this device at once, and the leader tab's sender replays it.
 * The one exception is a write carrying a PIN, which is sent at once and never queued:
 * a PIN must not rest in plain text on a shared tablet.
 */

import { newId } from '../shared/ids';
import type { SyncEvent } from '../shared/protocol';
import type { Item, ResourceName } from '../shared/resources';
import type { SyncApi } from './api';
import type { LocalCopy } from './draft';
import { errorInfo } from './errors';
import type { NewEntry } from './outbox';
import type { SyncLog } from './syncLog';
import type { OutboxEntry, QueuedWrite, ResourceActions, WriteOptions } from './types';

/** What a store needs of the outbox. */
export interface OutboxLink {
  entries(): OutboxEntry[];
  subscribe(listener: () => void): () => void;
  /** Queues the write and wakes the sender; `settled` follows the server's answer. */
  enqueue(entry: NewEntry & { idempotencyKey?: string }): Promise<QueuedWrite<unknown>>;
}

interface WriteDeps<R extends ResourceName> {
  api: SyncApi;
  log: SyncLog;
  outbox: OutboxLink;
  /** The server's state of the type as this device holds it (never the pending changes). */
  current: () => LocalCopy<R>;
  /** The item as this device shows it (pending changes included). */
  shown: (id: string) => Item<R> | undefined;
  enqueueOwn: (event: SyncEvent<R>) => Promise<void>;
}

type WriteActions<R extends ResourceName> = Pick<
  ResourceActions<R>,
  'create' | 'update' | 'remove' | 'queueCreate' | 'queueUpdate' | 'queueRemove'
>;

export function createWriteActions<R extends ResourceName>(resource: R, deps: WriteDeps<R>): WriteActions<R> {
  async function queue<T>(
    entry: Omit<NewEntry, 'resource' | 'itemName'>,
    options?: WriteOptions,
  ): Promise<QueuedWrite<T>> {
    const name = deps.shown(entry.itemId)?.name ?? entry.fields?.name;
    const queued = await deps.outbox.enqueue({
      resource,
      ...entry,
      itemName: typeof name === 'string' ? name : null,
      ...(options?.ifMatch !== undefined && entry.action !== 'create'
        ? { baseVersion: options.ifMatch }
        : {}),
      ...(options?.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
    });
    return queued as QueuedWrite<T>;
  }

  /** The old direct path, for PIN writes only: online, one attempt, the answer fed back as an event. */
  async function sendNow(
    what: 'create' | 'update',
    id: string,
    body: Record<string, unknown>,
    options?: WriteOptions,
  ) {
    try {
      const ifMatch =
        options?.ifMatch !== undefined ? options.ifMatch : (deps.current().items.get(id)?.version ?? null);
      const { body: item } =
        what === 'create'
          ? await deps.api.create(resource, { ...body, id }, options)
          : await deps.api.update(resource, id, body, { ...options, ifMatch });
      deps.log.add({
        resource,
        kind: 'write',
        message: `${what} ${id} as v${item.version} (with a PIN, not queued)`,
      });
      const epoch = deps.current().epoch;
      if (epoch !== null)
        await deps.enqueueOwn({
          epoch,
          resource,
          action: what === 'create' ? 'created' : 'updated',
          id,
          version: item.version,
          data: item,
        });
      return item;
    } catch (error) {
      const info = errorInfo(error);
      deps.log.add({
        resource,
        kind: 'write_failed',
        message: `${what} ${id}: ${info.code} (${info.message})`,
      });
      throw error;
    }
  }

  const actions: WriteActions<R> = {
    queueCreate: (fields, options) => {
      const { id, ...rest } = fields as Record<string, unknown>;
      return queue(
        { action: 'create', itemId: typeof id === 'string' ? id : newId(), fields: rest },
        options,
      );
    },
    queueUpdate: (id, patch, options) =>
      queue({ action: 'update', itemId: id, fields: { ...patch } }, options),
    queueRemove: (id, options) => queue({ action: 'delete', itemId: id, fields: null }, options),
    async create(fields, options) {
      if (fields.pin)
        return sendNow('create', fields.id ?? newId(), { ...fields }, options) as Promise<Item<R>>;
      return (await actions.queueCreate(fields, options)).settled;
    },
    async update(id, patch, options) {
      if (patch.pin) return sendNow('update', id, { ...patch }, options) as Promise<Item<R>>;
      return (await actions.queueUpdate(id, patch, options)).settled;
    },
    async remove(id, options) {
      await (await actions.queueRemove(id, options)).settled;
    },
  };
  return actions;
}
