/**
 * The cap on open connections, shared by the HTTP and the HTTPS port (contract section 9).
 * When a new connection would pass the cap, the one that has been slow or idle the longest
 * is closed to make room: a connection that has not finished sending its request (a
 * trickled header or body), one idle between requests, or one whose request has run past
 * the request deadline. A request being answered and an event stream are never closed for
 * it, and event streams may fill the cap only up to a reserve, so a flood of slow clients
 * never keeps `/api/health` (or anyone else) out for longer than one slow client lasts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server, Socket } from 'node:net';

export interface ConnectionLimits {
  /** Open connections at most, both ports together. */
  maxConnections: number;
  /** A request still unanswered after this long may be closed to make room. */
  requestTimeoutMs: number;
}

interface Tracked {
  socket: Socket;
  /** When it last started waiting: opened, started a request, or finished one. */
  since: number;
  /** The request being received or answered, if any. */
  request: IncomingMessage | null;
  stream: boolean;
}

/** A TLS socket is a wrapper; the TCP socket it wraps is the connection that is counted. */
function tcpSocket(socket: Socket): Socket {
  return (socket as Socket & { _parent?: Socket | null })._parent ?? socket;
}

export class ConnectionGuard {
  private readonly open = new Map<Socket, Tracked>();
  private streams = 0;
  private lastWarning = 0;

  constructor(
    private readonly limits: ConnectionLimits,
    private readonly warn: (message: string) => void = () => undefined,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /** Event streams at most: the rest of the cap stays free for ordinary requests. */
  get maxStreams(): number {
    const { maxConnections } = this.limits;
    return maxConnections - Math.max(2, Math.ceil(maxConnections / 10));
  }

  /** Counts every connection of `server` from now on. */
  watch(server: Server): void {
    server.on('connection', (socket: Socket) => this.admit(socket));
    server.on('request', (request: IncomingMessage, response: ServerResponse) =>
      this.started(request, response),
    );
  }

  /** True when another event stream would eat into the reserve. */
  streamsFull(): boolean {
    return this.streams >= this.maxStreams;
  }

  /** The socket now carries an event stream: counted, never closed to make room. */
  markStream(socket: Socket): void {
    const tracked = this.open.get(tcpSocket(socket));
    if (!tracked || tracked.stream) return;
    tracked.stream = true;
    tracked.request = null;
    this.streams++;
  }

  private admit(socket: Socket): void {
    if (this.open.size >= this.limits.maxConnections) {
      const victim = this.victim(Date.now());
      if (!victim) {
        this.warnAtMostEvery10s(
          `connection cap (${this.limits.maxConnections}) reached; refusing a connection`,
        );
        socket.destroy();
        return;
      }
      this.forget(victim);
      victim.socket.destroy();
    }
    // Deadlines are Node's (listeners.ts): its header deadline runs from the moment a connection opens.
    const tracked: Tracked = { socket, since: Date.now(), request: null, stream: false };
    this.open.set(socket, tracked);
    socket.once('close', () => this.forget(tracked));
  }

  private started(request: IncomingMessage, response: ServerResponse): void {
    const tracked = this.open.get(tcpSocket(request.socket));
    if (!tracked) return;
    tracked.request = request;
    tracked.since = Date.now();
    const finished = () => {
      if (tracked.request !== request) return;
      tracked.request = null;
      tracked.since = Date.now();
    };
    response.once('finish', finished);
    response.once('close', finished);
  }

  /** The connection to close for a new one: the longest slow or idle, never a stream or a request being answered. */
  private victim(now: number): Tracked | null {
    let oldest: Tracked | null = null;
    for (const tracked of this.open.values()) {
      if (tracked.stream) continue;
      const { request } = tracked;
      const evictable =
        request === null || !request.complete || now - tracked.since > this.limits.requestTimeoutMs;
      if (evictable && (oldest === null || tracked.since < oldest.since)) oldest = tracked;
    }
    return oldest;
  }

  private forget(tracked: Tracked): void {
    if (!this.open.delete(tracked.socket)) return;
    if (tracked.stream) this.streams--;
  }

  private warnAtMostEvery10s(message: string): void {
    const now = Date.now();
    if (now - this.lastWarning < 10_000) return;
    this.lastWarning = now;
    this.warn(message);
  }
}
