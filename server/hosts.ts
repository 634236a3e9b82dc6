/**
 * The `Host` check (contract section 9): a request must name this server — one of the names
 * and addresses its certificate covers (tls/names.ts), whether or not TLS is on, or one of
 * `RED_CORAL_ALLOWED_HOSTS` — with or without a port. Anything else is 421: a page on some
 * other site whose name was re-pointed at the venue's address (DNS rebinding) reads nothing.
 * The machine's own addresses are re-read every few seconds, so a new DHCP lease is
 * accepted without a restart.
 */
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors';
import { hostOf, nameMatches, namesFromSystem } from './tls/names';

/** How long the machine's own names and addresses are reused before they are read again. */
const REFRESH_MS = 5_000;

export class AcceptedHosts {
  private system: string[] = [];
  private readAt = -Infinity;

  /** `fixed`: configured names and allowed hosts, and the names of a venue-supplied certificate. */
  constructor(private readonly fixed: string[]) {}

  has(host: string): boolean {
    if (nameMatches(host, this.fixed)) return true;
    const now = Date.now();
    if (now - this.readAt > REFRESH_MS) {
      const names = namesFromSystem([]);
      this.system = [...names.dns, ...names.ips];
      this.readAt = now;
    }
    return this.system.includes(host);
  }
}

/** An onRequest hook: 421 `misdirected_request` unless the `Host` names this server. */
export function requireKnownHost(accepted: AcceptedHosts) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.host;
    const host = hostOf(header);
    if (host !== null && accepted.has(host)) return;
    const named = header === undefined ? 'no Host header' : `Host "${header.slice(0, 100)}"`;
    throw new ApiError(
      'misdirected_request',
      `this server does not answer to ${named}; a name of its own can be added with RED_CORAL_ALLOWED_HOSTS`,
      { host: header?.slice(0, 100) ?? null },
    );
  };
}
