/**
 * The two ports of one app: Fastify's `serverFactory` makes the HTTP server and, with TLS
 * material, an HTTPS server on the same request handler, so both serve exactly the same
 * routes, SSE hub and storage (contract section 7). Both get the request deadlines of
 * contract section 9 and report to one ConnectionGuard. HTTPS speaks HTTP/1.1 only: the
 * SSE hub writes HTTP/1.1 chunks on the raw socket (sse/socket.ts), see docs/SERVER.md.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { ConnectionGuard } from './connections';
import { StartupError } from './errors';

declare module 'fastify' {
  interface FastifyInstance {
    /** The HTTPS server beside `server` (the HTTP one), or null without TLS. */
    httpsServer: https.Server | null;
  }
}

export interface Deadlines {
  /** All request headers must have arrived this long after the connection opened (or, on a kept-alive one, the request's first byte). */
  headersTimeoutMs: number;
  /** The whole request (headers and body) must have arrived this long after its first byte. */
  requestTimeoutMs: number;
  /** How often Node checks those two deadlines. */
  checkIntervalMs: number;
}

export interface Listeners {
  http: http.Server;
  https: https.Server | null;
}

/** Keep-alive as long as Fastify's default: a tablet reuses its connection between polls. */
const KEEP_ALIVE_MS = 72_000;

/** Both servers on one handler. */
export function createListeners(
  handler: http.RequestListener,
  deadlines: Deadlines,
  tls: { key: string; cert: string } | null,
  guard: ConnectionGuard,
): Listeners {
  const options: http.ServerOptions = {
    headersTimeout: deadlines.headersTimeoutMs,
    requestTimeout: deadlines.requestTimeoutMs,
    connectionsCheckingInterval: deadlines.checkIntervalMs,
    keepAliveTimeout: KEEP_ALIVE_MS,
    // A missing Host gets the contract's 421 from the Host check rather than Node's bare 400.
    requireHostHeader: false,
  };
  const plain = http.createServer(options, handler);
  guard.watch(plain);
  if (!tls) return { http: plain, https: null };
  const secure = https.createServer(
    {
      ...options,
      key: tls.key,
      cert: tls.cert,
      minVersion: 'TLSv1.2',
      ALPNProtocols: ['http/1.1'],
      // A handshake is part of the header deadline: a client that stalls it is cut off as early.
      handshakeTimeout: deadlines.headersTimeoutMs,
    },
    handler,
  );
  guard.watch(secure);
  return { http: plain, https: secure };
}

export interface ListenOptions {
  host: string;
  port: number;
  /** Ignored without TLS; 0 picks a free port. */
  httpsPort: number;
}

/** The port a listening server got. */
export function portOf(server: http.Server | https.Server | null): number | null {
  const address = server?.address();
  return address && typeof address === 'object' ? (address as AddressInfo).port : null;
}

/** Listens on both ports; a port in use stops the start with one line naming the variable. */
export async function listen(
  app: FastifyInstance,
  options: ListenOptions,
): Promise<{ port: number; httpsPort: number | null }> {
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (err) {
    throw portError(err, 'PORT', options);
  }
  const secure = app.httpsServer;
  if (secure) {
    try {
      await new Promise<void>((resolve, reject) => {
        secure.once('error', reject);
        secure.listen(options.httpsPort, options.host, () => {
          secure.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      await app.close();
      throw portError(err, 'HTTPS_PORT', options);
    }
  }
  return { port: portOf(app.server)!, httpsPort: portOf(secure) };
}

function portError(err: unknown, variable: 'PORT' | 'HTTPS_PORT', options: ListenOptions): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  const port = variable === 'PORT' ? options.port : options.httpsPort;
  if (code === 'EADDRINUSE')
    return new StartupError(
      `${variable} ${port} is already in use on ${options.host}: stop what listens there or choose another port`,
    );
  if (code === 'EACCES')
    return new StartupError(
      `${variable} ${port} needs more privileges on ${options.host}: choose a port above 1023`,
    );
  return err;
}

/** Stops the HTTPS server: no new connections, idle ones closed; resolves once it has closed. */
export function closeHttps(server: https.Server | null): Promise<void> {
  if (!server?.listening) return Promise.resolve();
  return new Promise((resolve) => server.close(() => resolve()));
}
