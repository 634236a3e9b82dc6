/**
 * The SSE hub: every open `GET /api/sync/events` stream. Each committed change is turned
 * into SSE text once and that same string is written to every live client. A client that
 * is still starting (reading hello and its replay) buffers live events, so nothing falls
 * between its replay and the live stream; a client that cannot keep up is dropped and
 * resumes with Last-Event-ID when it reconnects. Each client remembers the highest seq it
 * was sent, so a change that reaches the hub after the client's replay already carried it
 * (PostgreSQL publishes shortly after commit, not during it) is not sent twice.
 */
import type { ServerResponse } from 'node:http';
import {
  formatEventId,
  type HeartbeatEvent,
  type PerResource,
  SSE_EVENTS,
  type SyncEvent,
} from '../../src/shared/protocol';
import type { Change } from '../storage/types';

interface Client {
  res: ServerResponse;
  live: boolean;
  /** Live events that arrived while the client was starting, with their seq. */
  pending: { seq: number; text: string }[];
  /** Highest seq written to this client; nothing at or below it is written again. */
  sentSeq: number;
}

export interface HubOptions {
  heartbeatMs: number;
  /** Unsent bytes a connection may hold before it is dropped. */
  maxBufferBytes: number;
}

/** One SSE message; `data` is JSON on a single line, so no line splitting is needed. */
export function sseMessage(event: string, data: unknown, id?: string): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A change as the `sync` event the contract describes. */
export function syncEvent(epoch: string, change: Change): SyncEvent {
  const { resource, action, id, version, data } = change;
  return { epoch, resource, action, id, version, data };
}

/** The SSE text of a change: computed once per change, shared by every client. */
export function syncMessage(epoch: string, change: Change): string {
  return sseMessage(SSE_EVENTS.sync, syncEvent(epoch, change), formatEventId(epoch, change.seq));
}

export class SseHub {
  private readonly clients = new Set<Client>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly epoch: string,
    /** Versions as sent so far; heartbeats report these, so they never run ahead of events. */
    private readonly versions: PerResource<number>,
    private readonly options: HubOptions,
  ) {
    this.timer = setInterval(() => this.heartbeat(), options.heartbeatMs);
    this.timer.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Registers a stream that is starting: live events are held until `goLive`. */
  add(res: ServerResponse): Client {
    const client: Client = { res, live: false, pending: [], sentSeq: 0 };
    this.clients.add(client);
    res.on('close', () => this.clients.delete(client));
    return client;
  }

  /** Sends held events newer than `sentSeq` (what the replay already covered), then goes live. */
  goLive(client: Client, sentSeq: number): void {
    client.sentSeq = Math.max(client.sentSeq, sentSeq);
    for (const { seq, text } of client.pending) this.send(client, seq, text);
    client.pending = [];
    client.live = true;
  }

  /** Broadcasts committed changes, in commit order. */
  publish(changes: Change[]): void {
    for (const change of changes) {
      this.versions[change.resource] = change.version;
      const text = syncMessage(this.epoch, change);
      for (const client of this.clients) {
        if (client.live) this.send(client, change.seq, text);
        else client.pending.push({ seq: change.seq, text });
      }
    }
  }

  /** Writes one sync event unless the client already has it. */
  private send(client: Client, seq: number, text: string): void {
    if (seq <= client.sentSeq) return;
    client.sentSeq = seq;
    this.write(client, text);
  }

  /** Writes to one client, dropping it when its unsent bytes pile up. */
  write(client: Client, text: string): void {
    const { res } = client;
    if (res.destroyed || res.writableEnded) return;
    res.write(text);
    if (res.writableLength > this.options.maxBufferBytes) {
      this.clients.delete(client);
      res.destroy();
    }
  }

  private heartbeat(): void {
    const data: HeartbeatEvent = { epoch: this.epoch, versions: this.versions };
    const text = sseMessage(SSE_EVENTS.heartbeat, data);
    for (const client of this.clients) if (client.live) this.write(client, text);
  }

  /** Ends every stream (shutdown); clients reconnect to whatever runs next. */
  close(): void {
    clearInterval(this.timer);
    for (const client of this.clients) client.res.end();
    this.clients.clear();
  }
}
