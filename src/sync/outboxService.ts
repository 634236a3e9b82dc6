/**
 * The outbox wired into the engine: the table (outbox.ts), the leader's sender
 * (sender.ts), the link the stores write through, and the controls the app sees.
 */
import type { ResourceName } from '../shared/resources';
import type { SyncApi } from './api';
import type { SyncDatabase } from './db';
import { errorInfo } from './errors';
import { createOutbox } from './outbox';
import type { ResourceController } from './resourceStore';
import { createSender, describeEntry } from './sender';
import type { SyncLog } from './syncLog';
import type { OutboxControls, OutboxEntry } from './types';
import type { OutboxLink } from './writes';

export interface OutboxServiceOptions {
  name: string;
  db: () => SyncDatabase | null;
  api: SyncApi;
  log: SyncLog;
  BroadcastChannel: typeof BroadcastChannel | null;
  isLeader: () => boolean;
  controller: <R extends ResourceName>(resource: R) => ResourceController<R>;
  retryDelaysMs?: number[];
}

export interface OutboxService {
  link: OutboxLink;
  controls: OutboxControls;
  /** Reads the table and starts sending (if leader). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createOutboxService(options: OutboxServiceOptions): OutboxService {
  const { log } = options;
  const outbox = createOutbox({
    db: options.db,
    name: options.name,
    BroadcastChannel: options.BroadcastChannel,
    onRemoteChange: () => void sender.flush('another tab changed the outbox'),
  });
  const sender = createSender({
    outbox,
    api: options.api,
    log,
    isLeader: options.isLeader,
    acknowledge: (resource, answer) => options.controller(resource).acknowledge(answer),
    serverVersion: (resource, id) => options.controller(resource).serverItem(id)?.version ?? null,
    retryDelaysMs: options.retryDelaysMs,
  });

  const link: OutboxLink = {
    entries: () => outbox.entries(),
    subscribe: (listener) => outbox.store.subscribe(listener),
    async enqueue(input) {
      let entry: OutboxEntry;
      try {
        entry = await outbox.add(input);
      } catch (error) {
        const name = input.itemName ? `“${input.itemName}”` : input.itemId;
        log.add({
          resource: input.resource,
          kind: 'write_failed',
          message: `${input.action} ${name} not queued: ${errorInfo(error).message}`,
        });
        throw error;
      }
      log.add({
        resource: entry.resource,
        kind: 'write_queued',
        message: `${describeEntry(entry)} queued${entry.baseVersion === null ? '' : ` on v${entry.baseVersion}`}`,
      });
      const settled = outbox.wait(entry.seq);
      // Callers that only want "queued" may never look at the outcome: not an unhandled rejection.
      settled.catch(() => undefined);
      void sender.flush('a write was queued');
      return { entry, settled };
    },
  };

  return {
    link,
    controls: {
      store: outbox.store,
      flush: sender.flush,
      retry: sender.retry,
      applyMine: sender.applyMine,
      discard: sender.discard,
      idle: sender.idle,
    },
    async start() {
      sender.start();
      await outbox.open().catch(() => undefined);
    },
    async stop() {
      sender.stop();
      await sender.idle();
      outbox.close();
    },
  };
}
