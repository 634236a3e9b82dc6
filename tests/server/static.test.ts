/**
 * Serving the built PWA from dist/: the shell and service worker are always revalidated,
 * the API is never shadowed by a file, and configuration comes from the environment.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_CONFIG, loadConfig } from '../../server/config';
import { type InProcessServer, startInProcessServer, startServer } from '../helpers/server';
import { call, errorOf } from './support';

let server: InProcessServer;

beforeAll(async () => {
  const dist = mkdtempSync(join(tmpdir(), 'red-coral-dist-'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Red Coral</title>');
  writeFileSync(join(dist, 'sw.js'), 'self.addEventListener("fetch", () => {});');
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'assets', 'app-1a2b3c.js'), 'console.log(1);');
  mkdirSync(join(dist, 'api'));
  writeFileSync(join(dist, 'api', 'products'), 'shadow');
  server = await startInProcessServer({ seed: false, config: { distDir: dist } });
});
afterAll(() => server.stop());

describe('static files', () => {
  test('the app shell is served with Cache-Control: no-cache', async () => {
    const res = await call(server.url, 'GET', '/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<title>Red Coral</title>');
    expect(res.headers.get('cache-control')).toBe('no-cache');
  });

  test('the service worker is served with Cache-Control: no-cache', async () => {
    const res = await call(server.url, 'GET', '/sw.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
  });

  test('hashed assets are served normally', async () => {
    const res = await call(server.url, 'GET', '/assets/app-1a2b3c.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).not.toBe('no-cache');
  });

  test('a file under dist/api never shadows the API', async () => {
    const res = await call(server.url, 'GET', '/api/products');
    expect(res.status).toBe(401);
    expect(errorOf(res).code).toBe('not_signed_in');
  });

  test('a missing file is 404 in the error shape', async () => {
    const res = await call(server.url, 'GET', '/nope.png');
    expect(res.status).toBe(404);
    expect(errorOf(res).code).toBe('not_found');
  });
});

describe('configuration from the environment', () => {
  test('defaults: port 8080 on all interfaces, ./data, 15 s heartbeat, 10,000 changes kept', () => {
    const config = loadConfig({}, '/srv/red-coral');
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      heartbeatMs: 15_000,
      logRetention: 10_000,
      adminPin: null,
      noBuild: false,
      scryptN: 16_384,
      bodyLimit: 1024 * 1024,
      distDir: '/srv/red-coral/dist',
      logLevel: 'info',
      databaseUrl: null,
      databasePoolSize: 10,
      databasePollMs: 1000,
      httpsPort: 8443,
      tls: { mode: 'venue-ca', names: [] },
      allowedHosts: [],
      maxConnections: 1000,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 20_000,
    });
    expect(config.dataDir).toBe(join(process.cwd(), 'data'));
    expect(DEFAULT_CONFIG.lockout).toEqual({ maxFailures: 5, windowMs: 300_000, lockMs: 60_000 });
  });

  test('every variable is read', () => {
    const config = loadConfig(
      {
        PORT: '9000',
        HOST: '127.0.0.1',
        DATA_DIR: '/var/lib/rc',
        RED_CORAL_ADMIN_PIN: '2468',
        RED_CORAL_NO_BUILD: '1',
        RED_CORAL_HEARTBEAT_MS: '5000',
        RED_CORAL_LOG_RETENTION: '50',
        RED_CORAL_SESSION_TTL_MS: '60000',
        RED_CORAL_BODY_LIMIT: '4096',
        RED_CORAL_SCRYPT_N: '2048',
        LOG_LEVEL: 'debug',
        DATABASE_URL: 'postgres://rc:pw@db.internal:5433/red_coral',
        RED_CORAL_DB_POOL_SIZE: '20',
        RED_CORAL_DB_POLL_MS: '250',
        HTTPS_PORT: '9443',
        RED_CORAL_TLS_NAMES: 'pos.venue.example,192.168.1.20',
        RED_CORAL_ALLOWED_HOSTS: 'proxy.venue.example',
        RED_CORAL_MAX_CONNECTIONS: '300',
        RED_CORAL_HEADERS_TIMEOUT_MS: '5000',
        RED_CORAL_REQUEST_TIMEOUT_MS: '15000',
      },
      '/srv',
    );
    expect(config).toMatchObject({
      port: 9000,
      host: '127.0.0.1',
      dataDir: '/var/lib/rc',
      adminPin: '2468',
      noBuild: true,
      heartbeatMs: 5000,
      logRetention: 50,
      sessionTtlMs: 60_000,
      bodyLimit: 4096,
      scryptN: 2048,
      logLevel: 'debug',
      databaseUrl: 'postgres://rc:pw@db.internal:5433/red_coral',
      databasePoolSize: 20,
      databasePollMs: 250,
      httpsPort: 9443,
      tls: { mode: 'venue-ca', names: ['pos.venue.example', '192.168.1.20'] },
      allowedHosts: ['pos.venue.example', '192.168.1.20', 'proxy.venue.example'],
      maxConnections: 300,
      headersTimeoutMs: 5000,
      requestTimeoutMs: 15_000,
    });
  });

  test('RED_CORAL_TLS=off, and the venue certificate from RED_CORAL_TLS_CERT and RED_CORAL_TLS_KEY', () => {
    expect(loadConfig({ RED_CORAL_TLS: 'off' }, '/srv').tls).toEqual({ mode: 'off' });
    expect(
      loadConfig(
        { RED_CORAL_TLS_CERT: '/etc/venue/cert.pem', RED_CORAL_TLS_KEY: '/etc/venue/key.pem' },
        '/srv',
      ).tls,
    ).toEqual({ mode: 'venue-cert', certFile: '/etc/venue/cert.pem', keyFile: '/etc/venue/key.pem' });
  });

  test.each([
    ['PORT', 'eighty'],
    ['RED_CORAL_LOG_RETENTION', '0'],
    ['RED_CORAL_ADMIN_PIN', '12'],
    ['RED_CORAL_SCRYPT_N', '3000'],
    ['DATABASE_URL', 'sqlite:./data/red-coral.sqlite'],
    ['RED_CORAL_DB_POOL_SIZE', '1'],
    ['HTTPS_PORT', '8080'],
    ['RED_CORAL_TLS_KEY', '/etc/venue/key.pem'],
    ['RED_CORAL_HEADERS_TIMEOUT_MS', '30000'],
    ['RED_CORAL_TIMEZONE', 'Mars/Olympus_Mons'],
    ['RED_CORAL_TIMEZONE', 'CEST'],
    ['RED_CORAL_CURRENCY', 'EURO'],
    ['RED_CORAL_CURRENCY', 'XYZ'],
  ])('an invalid %s=%s stops the start with a clear message', (name, value) => {
    expect(() => loadConfig({ [name]: value }, '/srv')).toThrow(name);
  });

  test('the venue: the server’s own zone and EUR by default; canonical spellings otherwise', () => {
    expect(loadConfig({}, '/srv').venue).toEqual({
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      currency: 'EUR',
    });
    expect(
      loadConfig({ RED_CORAL_TIMEZONE: 'europe/berlin', RED_CORAL_CURRENCY: 'chf' }, '/srv').venue,
    ).toEqual({
      timeZone: 'Europe/Berlin',
      currency: 'CHF',
    });
  });

  test('a time zone Intl does not know stops the process with one line naming the variable', async () => {
    await expect(startServer({ env: { RED_CORAL_TIMEZONE: 'Mars/Olympus_Mons' } })).rejects.toThrow(
      'Red Coral failed to start: RED_CORAL_TIMEZONE must be an IANA time zone such as Europe/Berlin, got "Mars/Olympus_Mons"\n',
    );
  });
});
