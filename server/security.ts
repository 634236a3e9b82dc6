/**
 * Security headers on everything the server answers (contract section 9), through
 * @fastify/helmet: a Content-Security-Policy the built app and its service worker run under
 * (scripts, styles, workers and requests from this origin only; no inline script; no
 * framing), `X-Content-Type-Options: nosniff`, and HSTS only where it cannot lock a
 * tablet out (`hstsHeader`).
 */

import { isIP } from 'node:net';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import { hostOf } from './tls/names';

/**
 * The app is one origin: its bundle, stylesheet, icons, manifest and worker all come from
 * it, and it only talks to its own API. No `upgrade-insecure-requests`: on the plain HTTP
 * port it would send every asset to `https://<host>:<http port>`, which speaks no TLS.
 */
export const CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'manifest-src': ["'self'"],
  'worker-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/** One year, the usual; only ever sent when both default web ports are ours (below). */
const HSTS_MAX_AGE_S = 365 * 24 * 60 * 60;

/**
 * HSTS makes a browser rewrite `http://name:P/` to `https://name:P/` — the same port. It is
 * sent only when that rewrite lands on HTTPS: HTTP on 80 and HTTPS on 443. On any other
 * ports (8080/8443 by default) it would send the tablet to a port that speaks no TLS and
 * strand whatever the HTTP origin still holds. Never for an IP address (browsers ignore it
 * there) nor for localhost, which serves every other local server too.
 */
export function hstsHeader(input: {
  secure: boolean;
  host: string | null;
  httpPort: number | null;
  httpsPort: number | null;
}): string | null {
  const { secure, host, httpPort, httpsPort } = input;
  if (!secure || host === null || httpPort !== 80 || httpsPort !== 443) return null;
  if (isIP(host) || host === 'localhost' || host.endsWith('.localhost')) return null;
  return `max-age=${HSTS_MAX_AGE_S}`;
}

export async function registerSecurityHeaders(
  app: FastifyInstance,
  ports: () => { httpPort: number | null; httpsPort: number | null },
): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    xFrameOptions: { action: 'deny' },
    // Decided per request below; helmet would send it on plain HTTP and for IP addresses too.
    strictTransportSecurity: false,
  });
  app.addHook('onRequest', async (request, reply) => {
    const hsts = hstsHeader({
      secure: request.protocol === 'https',
      host: hostOf(request.headers.host),
      ...ports(),
    });
    if (hsts) reply.header('strict-transport-security', hsts);
  });
}
