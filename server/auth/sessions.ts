/**
 * Sessions: a random 32-byte token, handed out once and stored only as its sha256, so a
 * copy of the database cannot be replayed as a login. The token travels in the HttpOnly
 * `rc_session` cookie (browsers) or as `Authorization: Bearer` (tools, tests).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from '../../src/shared/protocol';
import { type Permission, type ResourceName, writePermission } from '../../src/shared/resources';
import type { AppConfig } from '../config';
import { ApiError } from '../errors';
import type { ActiveSession, AuthStorage } from '../storage/types';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in session, set by `requireSession`. */
    session: ActiveSession | null;
    sessionToken: string | null;
  }
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The bearer token if sent, else the cookie; null when neither is present. */
export function tokenFromRequest(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+([A-Za-z0-9_-]{1,200})\s*$/i.exec(header);
    return m ? m[1]! : null;
  }
  const cookie = request.cookies[SESSION_COOKIE];
  return cookie && /^[A-Za-z0-9_-]{1,200}$/.test(cookie) ? cookie : null;
}

/**
 * Sets the session cookie: `Secure` when the request came over HTTPS, so the browser never
 * sends it back over plain HTTP; on the HTTP port it cannot be (the browser would drop it).
 * `SameSite=Lax` either way, against cross-site writes.
 */
export function setSessionCookie(reply: FastifyReply, token: string, ttlMs: number): void {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: reply.request.protocol === 'https',
    path: '/',
    maxAge: Math.floor(ttlMs / 1000),
  });
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, {
    httpOnly: true,
    sameSite: 'lax',
    secure: reply.request.protocol === 'https',
    path: '/',
  });
}

/** What checking a session needs: the sessions, and how long one lasts. */
export interface SessionCheck {
  storage: Pick<AuthStorage, 'findSession'>;
  config: Pick<AppConfig, 'sessionTtlMs'>;
}

/** An onRequest hook: 401 unless a live session comes with the request. */
export function requireSession(ctx: SessionCheck) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = tokenFromRequest(request);
    const session = token
      ? await ctx.storage.findSession(tokenHash(token), Date.now(), ctx.config.sessionTtlMs)
      : null;
    if (!session) throw new ApiError('not_signed_in', 'sign in first');
    request.session = session;
    request.sessionToken = token;
  };
}

/** An onRequest hook for writes: the session's role must grant `<resource>.write`. */
export function requireWrite(ctx: SessionCheck, resource: ResourceName) {
  const signedIn = requireSession(ctx);
  const permission: Permission = writePermission(resource);
  return async (request: FastifyRequest): Promise<void> => {
    await signedIn(request);
    if (!request.session!.permissions.includes(permission))
      throw new ApiError('forbidden', `your role may not change ${resource} items`, { permission });
  };
}
