/**
 * Server settings, read once from the environment. Everything a test may need to shrink
 * (heartbeat, retention, lockout, scrypt cost) lives here so tests pass it to buildApp
 * instead of waiting on production timings.
 */
import { resolve } from 'node:path';
import { isCurrency, isTimeZone, type Venue } from '../src/shared/venue';
import { StartupError } from './errors';
import { parseNameList } from './tls/names';
import type { TlsSettings } from './tls/prepare';

export interface LockoutConfig {
  /** Wrong PINs from one IP within `windowMs` that trigger a lockout. */
  maxFailures: number;
  windowMs: number;
  /** How long sign-in stays refused once locked. */
  lockMs: number;
}

export interface AppConfig {
  heartbeatMs: number;
  /** Changes kept per type in the log (at least this many of the newest). */
  logRetention: number;
  lockout: LockoutConfig;
  /** Largest accepted request body in bytes. */
  bodyLimit: number;
  /** Session lifetime, extended on every use (sliding expiry). */
  sessionTtlMs: number;
  /** scrypt cost N for new PIN hashes; stored in each hash so old hashes still verify. */
  scryptN: number;
  /** An SSE client whose unsent bytes exceed this is dropped (it reconnects and resumes). */
  sseMaxBufferBytes: number;
  /** How long an Idempotency-Key's answer is kept. */
  idempotencyTtlMs: number;
  logLevel: string;
  /** Serve the built app from here when it holds an index.html. */
  distDir: string | null;
  /**
   * Drill mode (RED_CORAL_DRILLS=1, docs/DRILLS.md): QA may inject faults through
   * /api/drills. Never in production: loadConfig refuses it there.
   */
  drills: boolean;
  /** The manager's PIN for the demo seed (and a drill wipe's reseed); random when null. */
  adminPin: string | null;
  /**
   * `Host` names accepted on top of this machine's own names and addresses and those of
   * its certificate: RED_CORAL_TLS_NAMES and RED_CORAL_ALLOWED_HOSTS.
   */
  allowedHosts: string[];
  /** Open connections at most, both ports together (RED_CORAL_MAX_CONNECTIONS). */
  maxConnections: number;
  /** Request headers must arrive within this (a connection's first request: after it opened). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this; event streams are exempt. */
  requestTimeoutMs: number;
  /** How often the two deadlines are checked: a late request is cut off at most this late. */
  deadlineCheckMs: number;
  /** The venue's time zone and currency, served at GET /api/venue (src/shared/venue.ts). */
  venue: Venue;
}

export interface ServerConfig extends AppConfig {
  port: number;
  host: string;
  dataDir: string;
  /** postgres:// URL: PostgreSQL storage shared by instances; null: SQLite in dataDir. */
  databaseUrl: string | null;
  /** PostgreSQL connections per instance (the LISTEN connection comes on top). */
  databasePoolSize: number;
  /** How often each instance re-reads the change log even without a notification. */
  databasePollMs: number;
  noBuild: boolean;
  /** The HTTPS port (ignored with RED_CORAL_TLS=off). */
  httpsPort: number;
  tls: TlsSettings;
}

export const DEFAULT_CONFIG: AppConfig = {
  heartbeatMs: 15_000,
  logRetention: 10_000,
  lockout: { maxFailures: 5, windowMs: 5 * 60_000, lockMs: 60_000 },
  bodyLimit: 1024 * 1024,
  sessionTtlMs: 12 * 60 * 60_000,
  scryptN: 16_384,
  sseMaxBufferBytes: 1024 * 1024,
  idempotencyTtlMs: 24 * 60 * 60_000,
  logLevel: 'info',
  distDir: null,
  drills: false,
  adminPin: null,
  allowedHosts: [],
  maxConnections: 1000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 20_000,
  deadlineCheckMs: 1_000,
  // The server's own zone (TZ, else the system's): a venue server usually sits in the venue.
  venue: { timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC', currency: 'EUR' },
};

/** Reads a positive integer variable, or fails loudly: a typo must not become a default. */
function intVar(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new StartupError(
      max === Number.MAX_SAFE_INTEGER
        ? `${name} must be an integer >= ${min}, got "${raw}"`
        : `${name} must be an integer from ${min} to ${max}, got "${raw}"`,
    );
  return value;
}

/** DATABASE_URL when set: only PostgreSQL URLs, so a stray value cannot be misread. */
function databaseUrl(env: NodeJS.ProcessEnv): string | null {
  const raw = env.DATABASE_URL;
  if (raw === undefined || raw === '') return null;
  if (!/^postgres(ql)?:\/\//.test(raw))
    throw new StartupError(
      'DATABASE_URL must be a postgres:// or postgresql:// URL (unset it to use SQLite)',
    );
  return raw;
}

/**
 * RED_CORAL_DRILLS: `1` turns drill mode on; unset, empty or `0` leaves it off. Anything
 * else is refused rather than guessed, and so is drill mode under NODE_ENV=production:
 * a fault injector must never be reachable on a venue's real server by accident.
 */
function drillMode(env: NodeJS.ProcessEnv): boolean {
  const raw = env.RED_CORAL_DRILLS;
  if (raw === undefined || raw === '' || raw === '0') return false;
  if (raw !== '1')
    throw new StartupError(`RED_CORAL_DRILLS must be 1 (drill mode on) or 0/unset (off), got "${raw}"`);
  if (env.NODE_ENV === 'production')
    throw new StartupError(
      'drill mode is refused in production (NODE_ENV=production): unset RED_CORAL_DRILLS',
    );
  return true;
}

/**
 * RED_CORAL_TLS, RED_CORAL_TLS_CERT/KEY and RED_CORAL_TLS_NAMES: the venue CA unless HTTPS is
 * off or the venue brings its own certificate (contract section 7).
 */
function tlsSettings(env: NodeJS.ProcessEnv): TlsSettings {
  const raw = (env.RED_CORAL_TLS ?? '').trim().toLowerCase();
  if (raw === 'off' || raw === '0') return { mode: 'off' };
  if (raw !== '' && raw !== 'on' && raw !== '1')
    throw new StartupError(
      `RED_CORAL_TLS must be off (plain HTTP only) or on/unset, got "${env.RED_CORAL_TLS}"`,
    );
  const certFile = env.RED_CORAL_TLS_CERT || null;
  const keyFile = env.RED_CORAL_TLS_KEY || null;
  if (certFile && keyFile)
    return { mode: 'venue-cert', certFile: resolve(certFile), keyFile: resolve(keyFile) };
  if (certFile || keyFile)
    throw new StartupError(
      'RED_CORAL_TLS_CERT and RED_CORAL_TLS_KEY go together: set both (PEM files) or neither',
    );
  return { mode: 'venue-ca', names: parseNameList(env.RED_CORAL_TLS_NAMES, 'RED_CORAL_TLS_NAMES') };
}

/**
 * RED_CORAL_TIMEZONE and RED_CORAL_CURRENCY: refused unless Intl knows them, because a
 * misspelt zone would otherwise price every rule at the wrong hour on every tablet.
 */
function venueSettings(env: NodeJS.ProcessEnv): Venue {
  const zone = env.RED_CORAL_TIMEZONE || DEFAULT_CONFIG.venue.timeZone;
  if (!isTimeZone(zone))
    throw new StartupError(
      `RED_CORAL_TIMEZONE must be an IANA time zone such as Europe/Berlin, got "${zone}"`,
    );
  const currency = (env.RED_CORAL_CURRENCY || DEFAULT_CONFIG.venue.currency).toUpperCase();
  if (!isCurrency(currency))
    throw new StartupError(
      `RED_CORAL_CURRENCY must be an ISO 4217 currency code such as EUR, got "${env.RED_CORAL_CURRENCY}"`,
    );
  // Canonical spelling ("europe/berlin" → "Europe/Berlin"), so every client gets the same name.
  return {
    timeZone: new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone,
    currency,
  };
}

/** The server's settings from environment variables (see docs/SERVER.md). */
export function loadConfig(env: NodeJS.ProcessEnv, projectRoot: string): ServerConfig {
  const adminPin = env.RED_CORAL_ADMIN_PIN || null;
  if (adminPin !== null && !/^\d{4,8}$/.test(adminPin))
    throw new StartupError('RED_CORAL_ADMIN_PIN must be 4 to 8 digits');
  const scryptN = intVar(env, 'RED_CORAL_SCRYPT_N', DEFAULT_CONFIG.scryptN, 1024);
  if ((scryptN & (scryptN - 1)) !== 0) throw new StartupError('RED_CORAL_SCRYPT_N must be a power of two');
  const port = intVar(env, 'PORT', 8080, 0, 65_535);
  const httpsPort = intVar(env, 'HTTPS_PORT', 8443, 0, 65_535);
  const tls = tlsSettings(env);
  if (tls.mode !== 'off' && port === httpsPort && port !== 0)
    throw new StartupError(`PORT and HTTPS_PORT must differ (both are ${port}); or set RED_CORAL_TLS=off`);
  const headersTimeoutMs = intVar(env, 'RED_CORAL_HEADERS_TIMEOUT_MS', DEFAULT_CONFIG.headersTimeoutMs, 100);
  const requestTimeoutMs = intVar(env, 'RED_CORAL_REQUEST_TIMEOUT_MS', DEFAULT_CONFIG.requestTimeoutMs, 100);
  if (headersTimeoutMs > requestTimeoutMs)
    throw new StartupError('RED_CORAL_HEADERS_TIMEOUT_MS must not be above RED_CORAL_REQUEST_TIMEOUT_MS');
  const allowedHosts = parseNameList(env.RED_CORAL_ALLOWED_HOSTS, 'RED_CORAL_ALLOWED_HOSTS');
  return {
    ...DEFAULT_CONFIG,
    port,
    httpsPort,
    tls,
    allowedHosts: [...new Set([...(tls.mode === 'venue-ca' ? tls.names : []), ...allowedHosts])],
    maxConnections: intVar(env, 'RED_CORAL_MAX_CONNECTIONS', DEFAULT_CONFIG.maxConnections, 8),
    headersTimeoutMs,
    requestTimeoutMs,
    host: env.HOST || '0.0.0.0',
    dataDir: resolve(env.DATA_DIR || './data'),
    databaseUrl: databaseUrl(env),
    databasePoolSize: intVar(env, 'RED_CORAL_DB_POOL_SIZE', 10, 2),
    databasePollMs: intVar(env, 'RED_CORAL_DB_POLL_MS', 1000, 10),
    adminPin,
    noBuild: env.RED_CORAL_NO_BUILD === '1',
    heartbeatMs: intVar(env, 'RED_CORAL_HEARTBEAT_MS', DEFAULT_CONFIG.heartbeatMs, 10),
    logRetention: intVar(env, 'RED_CORAL_LOG_RETENTION', DEFAULT_CONFIG.logRetention),
    sessionTtlMs: intVar(env, 'RED_CORAL_SESSION_TTL_MS', DEFAULT_CONFIG.sessionTtlMs, 1000),
    bodyLimit: intVar(env, 'RED_CORAL_BODY_LIMIT', DEFAULT_CONFIG.bodyLimit, 1024),
    scryptN,
    logLevel: env.LOG_LEVEL || 'info',
    distDir: resolve(projectRoot, 'dist'),
    drills: drillMode(env),
    venue: venueSettings(env),
  };
}
