/**
 * Sign-in with a PIN, sign-out, and "who am I". A wrong PIN counts against the caller's
 * IP; enough of them lock sign-in from there for a while (429 with Retry-After).
 */
import type { FastifyInstance } from 'fastify';
import type { LoginResponse } from '../../src/shared/protocol';
import { type Item, pinSchema } from '../../src/shared/resources';
import { findPinOwner } from '../auth/pin';
import { clearSessionCookie, newToken, requireSession, setSessionCookie, tokenHash } from '../auth/sessions';
import type { AppContext } from '../context';
import { ApiError, validationError } from '../errors';
import { objectBody } from './input';

export function registerAuthRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { storage, config, lockout } = ctx;

  app.post('/api/auth/login', async (request, reply): Promise<LoginResponse> => {
    const now = Date.now();
    const wait = lockout.retryAfterMs(request.ip, now);
    if (wait > 0) throw tooManyAttempts(wait);
    const body = objectBody(request.body);
    const parsed = pinSchema.safeParse(body.pin);
    if (!parsed.success) throw validationError(parsed.error, ['pin']);

    // Every active employee's hash is checked (in parallel), so timing says nothing about which matched.
    const employeeId = await findPinOwner(parsed.data, await storage.pinHashes(true));
    const employee = employeeId
      ? ((await storage.get('employee', employeeId)) as Item<'employee'> | null)
      : null;
    if (!employee) {
      const locked = lockout.fail(request.ip, Date.now());
      if (locked > 0) throw tooManyAttempts(locked);
      throw new ApiError('wrong_pin', 'that PIN is not valid');
    }
    lockout.succeed(request.ip);

    const token = newToken();
    const expiresAt = now + config.sessionTtlMs;
    await storage.createSession({
      tokenHash: tokenHash(token),
      employeeId: employee.id,
      expiresAt,
      createdAt: now,
    });
    const role = (await storage.get('role', employee.roleId)) as Item<'role'> | null;
    setSessionCookie(reply, token, config.sessionTtlMs);
    return {
      token,
      employee,
      permissions: role ? [...role.permissions] : [],
      expiresAt: new Date(expiresAt).toISOString(),
    };
  });

  app.post('/api/auth/logout', { onRequest: requireSession(ctx) }, async (request, reply) => {
    await storage.deleteSession(tokenHash(request.sessionToken!));
    clearSessionCookie(reply);
    return { ok: true };
  });

  /** The signed-in employee, for a page that reloads with only its HttpOnly cookie. */
  app.get(
    '/api/auth/me',
    { onRequest: requireSession(ctx) },
    async (request): Promise<Omit<LoginResponse, 'token'>> => {
      const { employee, permissions, expiresAt } = request.session!;
      return { employee, permissions, expiresAt: new Date(expiresAt).toISOString() };
    },
  );
}

function tooManyAttempts(waitMs: number): ApiError {
  const seconds = Math.ceil(waitMs / 1000);
  return new ApiError(
    'too_many_attempts',
    `too many wrong PINs; try again in ${seconds} s`,
    { retryAfterSeconds: seconds },
    { 'Retry-After': String(seconds) },
  );
}
