/**
 * The SSE hub: every open `GET /api/sync/events` stream. Each committed change is turned
 * into SSE bytes once. Changes are not written as they come: they are queued and flushed
 * to every live stream once per event-loop turn, as one write of one shared HTTP chunk, so
 * socket writes scale with streams × flushes rather than streams × events. A stream that
 * is still starting (reading hello and its replay) holds live events, so nothing falls
 * between its replay and the live stream; a stream that cannot keep up is dropped and
 * resumes with Last-Event-ID when it reconnects. Each stream remembers the highest seq it
 * was sent, so a change that reaches the hub after the stream's replay already carried it
 * (PostgreSQL publishes shortly after commit, not during it) is not sent twice.
 *
 * Drill mode (server/drills) plugs `StreamFaults` in to disturb chosen streams on purpose;
 * only while one of its faults acts on sync events does a flush go stream by stream.
 * Drill mode may also give the hub a new epoch in-process (`restart`).
 */
import type { Writable } from 'node:stream';
import type { DrillNotice, DrillStream } from '../../src/shared/drills';
import {
  formatEventId,
  type HeartbeatEvent,
  type PerResource,
  SSE_EVENTS,
  type SyncEvent,
} from '../../src/shared/protocol';
import type { ResourceName } from '../../src/shared/resources';
import type { Change } from '../storage/types';

/** What the hub needs of a connection: a net.Socket in the server, any Writable in tests. */
export type SseSocket = Pick<Writable, 'write' | 'end' | 'destroy' | 'destroyed' | 'writableLength' | 'once'>;

/** One encoded sync event. */
export interface Encoded {
  seq: number;
  resource: ResourceName;
  bytes: Buffer;
}

/** Everything the hub keeps per stream: no request, response or parser. */
export interface SseStream {
  socket: SseSocket;
  /** Live events that arrived while the stream was starting; null once live. */
  held: Encoded[] | null;
  heldBytes: number;
  /**
   * Highest seq handed to this stream; nothing at or below it is handed over again. A
   * drill fault that drops or holds back an event still counts it as handed over.
   */
  sentSeq: number;
  /** Who opened it, kept only in drill mode (faults match on it); null otherwise. */
  client: DrillStream | null;
}

/**
 * What drill mode plugs into the hub to disturb streams on purpose (server/drills). The
 * hub consults it only while it reports an armed fault of the matching sort.
 */
export interface StreamFaults {
  /** A fault acts on sync events: flushes then go stream by stream through `deliver`. */
  readonly shapesEvents: boolean;
  /** A fault may withhold heartbeats: each stream is then asked `stallsHeartbeat`. */
  readonly stallsHeartbeats: boolean;
  /**
   * Hands one live stream its events of this flush (seq ascending, all above its sentSeq):
   * the faults write them through `SseHub.write`, now, later, several times or never.
   */
  deliver(stream: SseStream, events: Encoded[]): void;
  /** Whether heartbeat number `beat` is withheld from this stream. */
  stallsHeartbeat(stream: SseStream, beat: number): boolean;
  /** A flush or heartbeat was handed to every stream: count-limited faults may now end. */
  endRound(): void;
  /** The stream is gone: drop whatever is held back for it. */
  forget(stream: SseStream): void;
}

export interface HubOptions {
  heartbeatMs: number;
  /** Unsent bytes a connection may hold (or hold back while starting) before it is dropped. */
  maxBufferBytes: number;
}

/**
 * One HTTP/1.1 chunk. The hub writes on the raw socket, so it frames the body itself:
 * once per flush for the bytes every stream shares, not once per event per stream.
 */
export function chunk(body: Buffer | string): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, CRLF]);
}

/** The chunk that ends a chunked body. */
const LAST_CHUNK = Buffer.from('0\r\n\r\n');
const CRLF = Buffer.from('\r\n');

/** One SSE message; `data` is JSON on a single line, so no line splitting is needed. */
export function sseMessage(event: string, data: unknown, id?: string): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A change as the `sync` event the contract describes. */
export function syncEvent(epoch: string, change: Change): SyncEvent {
  const { resource, action, id, version, data } = change;
  return { epoch, resource, action, id, version, data };
}

/** The SSE text of a change. */
export function syncMessage(epoch: string, change: Change): string {
  return sseMessage(SSE_EVENTS.sync, syncEvent(epoch, change), formatEventId(epoch, change.seq));
}

export class SseHub {
  private readonly starting = new Set<SseStream>();
  private readonly live = new Set<SseStream>();
  /** Published, not yet flushed; seqs ascending. */
  private queue: Encoded[] = [];
  private flushScheduled: NodeJS.Immediate | null = null;
  private publishedSeq = 0;
  private readonly timer: NodeJS.Timeout;
  private beats = 0;
  private faults: StreamFaults | null = null;
  /** While a drill wipe rewrites the database: commits are recorded, not sent. */
  private paused = false;

  constructor(
    private currentEpoch: string,
    /** Versions as published; heartbeats flush first, so they never run ahead of events. */
    private readonly versions: PerResource<number>,
    private readonly options: HubOptions,
  ) {
    this.timer = setInterval(() => this.heartbeat(), options.heartbeatMs);
    this.timer.unref();
  }

  /** The epoch every event, heartbeat and route answer carries now. */
  get epoch(): string {
    return this.currentEpoch;
  }

  get size(): number {
    return this.starting.size + this.live.size;
  }

  /** Every open stream, starting ones first. */
  streams(): SseStream[] {
    return [...this.starting, ...this.live];
  }

  /** Plugs drill mode's faults in (server/drills). */
  attachFaults(faults: StreamFaults): void {
    this.faults = faults;
  }

  /** Registers a stream that is starting: live events are held until `goLive`. */
  add(socket: SseSocket, client: DrillStream | null = null): SseStream {
    const stream: SseStream = { socket, held: [], heldBytes: 0, sentSeq: 0, client };
    this.starting.add(stream);
    socket.once('close', () => this.forget(stream));
    return stream;
  }

  /**
   * Writes `prelude` (hello, reset, replay) and the held events newer than `sentSeq` (what
   * the replay covered) in one write, then goes live.
   */
  goLive(stream: SseStream, sentSeq: number, prelude = ''): void {
    if (!this.starting.delete(stream)) return; // closed or dropped meanwhile
    stream.sentSeq = Math.max(stream.sentSeq, sentSeq);
    const parts: Buffer[] = prelude === '' ? [] : [Buffer.from(prelude)];
    for (const { seq, bytes } of stream.held ?? []) {
      if (seq <= stream.sentSeq) continue;
      parts.push(bytes);
      stream.sentSeq = seq;
    }
    stream.held = null;
    stream.heldBytes = 0;
    this.live.add(stream);
    if (parts.length > 0) this.write(stream, parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  /** Queues committed changes, in commit order, for the next flush. */
  publish(changes: Change[]): void {
    for (const change of changes) {
      if (change.seq <= this.publishedSeq) continue; // already published; order is by seq
      this.publishedSeq = change.seq;
      this.versions[change.resource] = change.version;
      if (this.paused) continue;
      const event: Encoded = {
        seq: change.seq,
        resource: change.resource,
        bytes: Buffer.from(syncMessage(this.currentEpoch, change)),
      };
      this.queue.push(event);
      for (const stream of this.starting) this.hold(stream, event);
    }
    if (this.queue.length > 0 && this.flushScheduled === null)
      this.flushScheduled = setImmediate(() => this.flush());
  }

  /** Writes everything queued to every live stream: one write per stream. */
  flush(): void {
    if (this.flushScheduled !== null) clearImmediate(this.flushScheduled);
    this.flushScheduled = null;
    const queue = this.queue;
    if (queue.length === 0) return;
    this.queue = [];
    if (this.faults?.shapesEvents) {
      this.flushThroughFaults(this.faults, queue);
      return;
    }
    const all = queue.length === 1 ? queue[0]!.bytes : Buffer.concat(queue.map((e) => e.bytes));
    const framed = chunk(all);
    const first = queue[0]!.seq;
    const last = queue[queue.length - 1]!.seq;
    for (const stream of this.live) {
      if (stream.sentSeq >= last) continue;
      if (stream.sentSeq < first) this.send(stream, framed);
      else this.send(stream, chunk(all.subarray(offsetAfter(queue, stream.sentSeq))));
      stream.sentSeq = last;
    }
  }

  /**
   * The per-stream path, taken only while a drill fault acts on sync events. Each stream's
   * sentSeq moves past the whole flush here, whatever the faults hold back or drop: the
   * shared path that resumes once they end then neither repeats nor skips an event.
   */
  private flushThroughFaults(faults: StreamFaults, queue: Encoded[]): void {
    const last = queue[queue.length - 1]!.seq;
    for (const stream of this.live) {
      if (stream.sentSeq >= last) continue;
      const sentSeq = stream.sentSeq;
      const events = sentSeq < queue[0]!.seq ? queue : queue.filter((e) => e.seq > sentSeq);
      stream.sentSeq = last;
      faults.deliver(stream, events);
    }
    faults.endRound();
  }

  /** Writes SSE text to one stream now, as one chunk (`retry`). */
  write(stream: SseStream, text: Buffer | string): void {
    this.send(stream, chunk(text));
  }

  /**
   * Writes an `event: drill` notice (no id) to every live stream `match` accepts, after
   * the events already published. Returns how many got it.
   */
  notify(match: (stream: SseStream) => boolean, notice: DrillNotice): number {
    this.flush();
    const framed = chunk(sseMessage(SSE_EVENTS.drill, notice));
    let told = 0;
    for (const stream of this.live)
      if (match(stream)) {
        this.send(stream, framed);
        told++;
      }
    return told;
  }

  /**
   * Ends the streams `match` accepts, live ones after `notice` (when given); starting ones
   * have not had their hello yet and just end. Clients reconnect with Last-Event-ID.
   */
  end(match: (stream: SseStream) => boolean, notice?: DrillNotice): number {
    if (notice) this.notify(match, notice);
    else this.flush();
    const ending = this.streams().filter(match);
    for (const stream of ending) this.endStream(stream);
    return ending.length;
  }

  /**
   * Commits are recorded but sent to nobody until `restart`: a drill wipe rewrites the
   * database, and its reseed must not reach clients under the old epoch.
   */
  pause(): void {
    this.flush();
    this.paused = true;
  }

  /** Takes back `pause` when nothing changed after all. */
  resume(): void {
    this.paused = false;
  }

  /**
   * Serves a new epoch from now on (drill mode): every stream gets `notice`, then ends,
   * and reconnects to a hello with the new epoch (a resume gets `reset epoch_changed`).
   * `versions` replaces the published versions when the data was replaced too.
   */
  restart(epoch: string, versions: PerResource<number> | null, notice: DrillNotice): number {
    const ended = this.end(() => true, notice);
    this.currentEpoch = epoch;
    if (versions) Object.assign(this.versions, versions);
    this.paused = false;
    return ended;
  }

  /** Ends every stream (shutdown) after what is queued; clients reconnect to whatever runs next. */
  close(): void {
    clearInterval(this.timer);
    this.flush();
    for (const stream of this.streams()) this.endStream(stream);
  }

  /** Ends one stream's chunked body and forgets it. */
  private endStream(stream: SseStream): void {
    this.forget(stream);
    const { socket } = stream;
    // Destroy once the last bytes are out: a client that never closes its side must not hold the shutdown.
    socket.end(LAST_CHUNK, () => socket.destroy());
  }

  private hold(stream: SseStream, event: Encoded): void {
    stream.held?.push(event);
    stream.heldBytes += event.bytes.length;
    if (stream.heldBytes > this.options.maxBufferBytes) this.drop(stream);
  }

  private heartbeat(): void {
    if (this.paused) return; // the versions are mid-rewrite; the restart ends every stream anyway
    this.flush();
    const data: HeartbeatEvent = { epoch: this.currentEpoch, versions: this.versions };
    const framed = chunk(sseMessage(SSE_EVENTS.heartbeat, data));
    const beat = ++this.beats;
    const faults = this.faults?.stallsHeartbeats ? this.faults : null;
    for (const stream of this.live) if (!faults?.stallsHeartbeat(stream, beat)) this.send(stream, framed);
    faults?.endRound();
  }

  /** Writes framed bytes to one stream, dropping it when its unsent bytes pile up. */
  private send(stream: SseStream, framed: Buffer): void {
    const { socket } = stream;
    if (socket.destroyed) return;
    socket.write(framed);
    if (socket.writableLength > this.options.maxBufferBytes) this.drop(stream);
  }

  private drop(stream: SseStream): void {
    this.forget(stream);
    stream.socket.destroy();
  }

  private forget(stream: SseStream): void {
    this.starting.delete(stream);
    this.live.delete(stream);
    stream.held = null;
    this.faults?.forget(stream);
  }
}

/** Byte offset in the concatenated queue of the first event with a seq above `seq`. */
function offsetAfter(queue: Encoded[], seq: number): number {
  let offset = 0;
  for (const event of queue) {
    if (event.seq > seq) break;
    offset += event.bytes.length;
  }
  return offset;
}
