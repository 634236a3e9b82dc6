/**
 * Sign-in with a PIN, sign-out, and "who am I". A wrong PIN counts against the caller's
 * IP; enough of them lock sign-in from there for a while (429 with Retry-After). The count
 * lives in ctx.lockout (memory on SQLite, the shared database on PostgreSQL); when that
 * store cannot be read or written, sign-in fails closed with 503 `unavailable` rather than
 * allow unlimited tries.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { type LoginResponse, ROUTES } from '../../src/shared/protocol';
import { type Item, pinSchema } from '../../src/shared/resources';
import { findPinOwner } from '../auth/pin';
import { clearSessionCookie, newToken, requireSession, setSessionCookie, tokenHash } from '../auth/sessions';
import type { AppContext } from '../context';
import { ApiError, validationError } from '../errors';
import { objectBody } from './input';

export function registerAuthRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { storage, config, lockout } = ctx;

  app.post(ROUTES.login, async (request, reply): Promise<LoginResponse> => {
    const now = Date.now();
    const wait = await failClosed(request.log, () => lockout.retryAfterMs(request.ip));
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
      const locked = await failClosed(request.log, () => lockout.fail(request.ip));
      if (locked > 0) throw tooManyAttempts(locked);
      throw new ApiError('wrong_pin', 'that PIN is not valid');
    }
    // Not clearing only leaves the IP stricter than it should be, never looser: sign in anyway.
    await lockout
      .succeed(request.ip)
      .catch((err: unknown) => request.log.error({ err }, 'clearing the sign-in lockout failed'));

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

  app.post(ROUTES.logout, { onRequest: requireSession(ctx) }, async (request, reply) => {
    await storage.deleteSession(tokenHash(request.sessionToken!));
    clearSessionCookie(reply);
    return { ok: true };
  });

  /** The signed-in employee, for a page that reloads with only its HttpOnly cookie. */
  app.get(
    ROUTES.me,
    { onRequest: requireSession(ctx) },
    async (request): Promise<Omit<LoginResponse, 'token'>> => {
      const { employee, permissions, expiresAt } = request.session!;
      return { employee, permissions, expiresAt: new Date(expiresAt).toISOString() };
    },
  );
}

/**
 * Runs one lockout step; if the store fails (database down), answers 503 instead of
 * checking PINs it cannot count: the check before the PIN is what keeps an outage of the
 * store from becoming unlimited tries. A wrong PIN whose failure could not be recorded is
 * 503 as well, so the client hears that something is wrong rather than a plain 401.
 */
async function failClosed<T>(log: FastifyBaseLogger, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    log.error({ err }, 'the sign-in lockout store failed');
    throw new ApiError('unavailable', 'sign-in is unavailable right now; retry shortly');
  }
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
