/**
 * Taking an event stream's socket away from Node's HTTP server. A hijacked response would
 * otherwise keep its IncomingMessage, ServerResponse, Fastify request/reply and HTTP parser
 * alive for as long as the stream is open (kilobytes per connection); the hub needs only
 * the socket. This is what Node itself does to a socket it hands to an `upgrade` handler.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** The parts of Node's internal HTTPParser that freeing it touches. */
interface HttpParser {
  _consumed?: boolean;
  unconsume(): void;
  remove(): void;
  close(): void;
}

type ServedSocket = Socket & { parser?: HttpParser | null; _httpMessage?: unknown };

/** Events only Node's HTTP server listens to on a connection: every listener goes. */
const HTTP_ONLY_EVENTS = ['data', 'drain', 'timeout', 'resume', 'pause'] as const;

/**
 * Events others listen to as well: only the HTTP server's listeners (by name) go, while
 * net's ('end' → onReadableStreamEnd), TLS's (which free the TLS session on close) and the
 * connection cap's (connections.ts) stay, so a stream over HTTPS ends and is counted like any.
 */
const SHARED_EVENTS = ['close', 'error', 'end'] as const;
const HTTP_LISTENERS = new Set([
  'bound socketOnClose',
  'onServerResponseClose',
  'socketOnError',
  'bound socketOnEnd',
]);

/** The response head of an event stream; the hub frames the chunks (sse/hub.ts `chunk`). */
export const SSE_HEAD =
  'HTTP/1.1 200 OK\r\n' +
  'Content-Type: text/event-stream; charset=utf-8\r\n' +
  'Cache-Control: no-cache, no-transform\r\n' +
  'X-Accel-Buffering: no\r\n' +
  'X-Content-Type-Options: nosniff\r\n' +
  'Connection: keep-alive\r\n' +
  'Transfer-Encoding: chunked\r\n\r\n';

/**
 * Detaches a request's socket from the HTTP server (after `reply.hijack()`): removes the
 * server's listeners, frees its parser and drops its request and response, so nothing but
 * the returned socket remains. Further bytes from the client are read and ignored.
 */
export function takeSocket(req: IncomingMessage): Socket {
  const socket = req.socket as ServedSocket;
  for (const event of HTTP_ONLY_EVENTS) socket.removeAllListeners(event);
  for (const event of SHARED_EVENTS)
    for (const listener of socket.listeners(event))
      if (HTTP_LISTENERS.has(listener.name))
        socket.removeListener(event, listener as (...args: unknown[]) => void);
  socket._httpMessage = null;
  const parser = socket.parser;
  socket.parser = null;
  if (parser) {
    if (parser._consumed) {
      parser.unconsume();
      parser._consumed = false;
    }
    // Off the server's connection list (no request timeouts, no idle close), then deleted,
    // once the parser is off the stack: if this runs inside its execute(), finishing the
    // message would put it back on the list.
    setImmediate(() => {
      parser.remove();
      parser.close();
    });
  }
  socket.setTimeout(0);
  // The server's listeners did this: the client hanging up (or a reset) closes the stream.
  socket.on('end', () => socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.resume();
  return socket;
}
