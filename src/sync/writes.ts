/**
 * Create, update and delete through a store. The server's answer is fed back as an
 * ordinary event carrying the new version: applied if it is exactly the next version,
 * a duplicate if the stream got there first — no pending ids, no suppression window.
 */

import { newId } from '../shared/ids';
import type { SyncEvent } from '../shared/protocol';
import type { Item, ResourceFields, ResourceName } from '../shared/resources';
import { errorInfo, type SyncApi } from './api';
import type { LocalCopy } from './draft';
import type { SyncLog } from './syncLog';
import type { ResourceActions, WriteOptions } from './types';

interface WriteDeps<R extends ResourceName> {
  api: SyncApi;
  log: SyncLog;
  current: () => LocalCopy<R>;
  enqueueOwn: (event: SyncEvent<R>) => Promise<void>;
}

export function createWriteActions<R extends ResourceName>(
  resource: R,
  deps: WriteDeps<R>,
): Pick<ResourceActions<R>, 'create' | 'update' | 'remove'> {
  /** Runs one write, logging its outcome; errors reach the caller as SyncError. */
  async function write<T>(what: string, id: string, run: () => Promise<{ body: T }>): Promise<T> {
    try {
      const { body } = await run();
      return body;
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

  function echo(
    action: SyncEvent['action'],
    id: string,
    version: number,
    data: Item<R> | null,
  ): Promise<void> {
    deps.log.add({ resource, kind: 'write', message: `${action} ${id} as v${version}`, version });
    const epoch = deps.current().epoch;
    if (epoch === null) return Promise.resolve();
    return deps.enqueueOwn({ epoch, resource, action, id, version, data });
  }

  return {
    async create(fields: ResourceFields[R] & { id?: string; pin?: string }, options?: WriteOptions) {
      const body: Record<string, unknown> = { ...fields, id: fields.id ?? newId() };
      const id = String(body.id);
      const item = await write('create', id, () => deps.api.create(resource, body, options));
      await echo('created', item.id, item.version, item);
      return item;
    },
    async update(id: string, patch: Partial<ResourceFields[R]> & { pin?: string }, options?: WriteOptions) {
      // Based on the version this device shows: a change made meanwhile elsewhere answers 412.
      const ifMatch =
        options?.ifMatch !== undefined ? options.ifMatch : (deps.current().items.get(id)?.version ?? null);
      const item = await write('update', id, () =>
        deps.api.update(resource, id, patch, { ...options, ifMatch }),
      );
      await echo('updated', item.id, item.version, item);
      return item;
    },
    async remove(id: string, options?: WriteOptions) {
      const result = await write('delete', id, () => deps.api.remove(resource, id, options));
      await echo('deleted', result.id, result.version, null);
    },
  };
}
