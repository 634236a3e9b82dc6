/**
 * HTTPS in the real server process (`npm start`'s code path): what it prints for a person,
 * the venue CA reused across restarts, the venue's own certificate from the environment,
 * RED_CORAL_TLS=off, and start-up errors that are one line, not a stack.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadOrCreateAuthority } from '../../server/tls/authority';
import { ensureServerCertificate } from '../../server/tls/certificate';
import { HTTPS_INFO_PATH, type HttpsInfo } from '../../src/shared/protocol';
import { freePort, startServer } from '../helpers/server';
import { fetchTrusting } from '../helpers/tls';
import { call, errorOf } from './support';

describe('with the venue CA (the default)', () => {
  test('prints the HTTPS address, a QR code of /setup and the CA fingerprint; keys 0600; a restart reuses the CA', async () => {
    const server = await startServer({ tls: true });
    try {
      const ca = server.ca();
      const fingerprint = new X509Certificate(ca).fingerprint256;
      const out = server.output();
      expect(out).toContain(
        `Open on the tablets (HTTPS: offline start and installation):\n  https://127.0.0.1:${server.httpsPort}/\n`,
      );
      expect(out).toContain(
        `Plain HTTP, which keeps working but gives a tablet neither:\n  http://127.0.0.1:${server.port}\n`,
      );
      expect(out).toContain(`scan or open http://127.0.0.1:${server.port}/setup\n`);
      // The QR code, drawn in block characters when stdout is not a terminal.
      expect(out).toMatch(/\n {4}█▀▀▀▀▀█ /);
      expect(out).toContain(`Venue CA fingerprint (SHA-256): ${fingerprint}\n`);
      for (const key of ['ca-key.pem', 'server-key.pem'])
        expect(statSync(join(server.dataDir, 'tls', key)).mode & 0o777).toBe(0o600);

      const secure = fetchTrusting(ca);
      expect((await call(server.httpsUrl!, 'GET', '/api/health', { fetch: secure })).status).toBe(200);
      const cert = readFileSync(join(server.dataDir, 'tls', 'server.pem'), 'utf8');
      await server.restart();
      expect(server.ca()).toBe(ca);
      expect(readFileSync(join(server.dataDir, 'tls', 'server.pem'), 'utf8')).toBe(cert);
      expect((await call(server.httpsUrl!, 'GET', '/api/health', { fetch: secure })).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  test('a broken CA key stops the start with one line naming the file, no stack', async () => {
    const server = await startServer({ tls: true });
    await server.stop();
    const keyPath = join(server.dataDir, 'tls', 'ca-key.pem');
    writeFileSync(keyPath, 'garbage');
    await expect(server.start()).rejects.toThrow('server exited with 1');
    const lines = server.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^Red Coral failed to start: ${keyPath} is not the venue CA's private key \\(.+\\): restore DATA_DIR/tls from a backup`,
      ),
    );
  });

  test('an HTTPS_PORT that is taken stops the start with one line', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => taken.once('listening', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      await expect(startServer({ tls: true, env: { HTTPS_PORT: String(port) } })).rejects.toThrow(
        `Red Coral failed to start: HTTPS_PORT ${port} is already in use on 127.0.0.1: stop what listens there or choose another port`,
      );
    } finally {
      taken.close();
    }
  });
});

describe("with the venue's own certificate", () => {
  test('serves RED_CORAL_TLS_CERT as given, accepts its names as Host, and /setup offers no CA', async () => {
    // "The venue's" CA and certificate for pos.venue.example, made elsewhere.
    const elsewhere = mkdtempSync(join(tmpdir(), 'red-coral-venue-'));
    const { authority } = await loadOrCreateAuthority(elsewhere);
    await ensureServerCertificate(elsewhere, authority, {
      dns: ['pos.venue.example'],
      ips: [],
      forTablets: ['pos.venue.example'],
    });
    const server = await startServer({
      tls: true,
      env: {
        RED_CORAL_TLS_CERT: join(elsewhere, 'server.pem'),
        RED_CORAL_TLS_KEY: join(elsewhere, 'server-key.pem'),
      },
    });
    try {
      expect(() => statSync(join(server.dataDir, 'tls'))).toThrow();
      const venue = fetchTrusting(authority.pem, { servername: 'pos.venue.example' });
      const health = await call(server.httpsUrl!, 'GET', '/api/health', {
        fetch: venue,
        headers: { host: `pos.venue.example:${server.httpsPort}` },
      });
      expect(health.status).toBe(200);
      const page = await call(server.url, 'GET', '/setup');
      expect(page.text).toContain('This server uses the venue’s own certificate.');
      expect(page.text).toContain(`https://pos.venue.example:${server.httpsPort}/`);
      expect(page.text).not.toContain('/setup/ca.pem');
      const ca = await call(server.url, 'GET', '/setup/ca.pem');
      expect(errorOf(ca)).toEqual({
        code: 'not_found',
        message: "this server uses the venue's own certificate: there is no CA to install",
        details: null,
      });
      expect(server.output()).toContain(
        "HTTPS uses the venue's own certificate: nothing to install on the tablets.\n",
      );
    } finally {
      await server.stop();
    }
  });
});

describe('RED_CORAL_TLS=off', () => {
  test('serves plain HTTP only: no HTTPS port, no CA made, and /setup and /api/https say so', async () => {
    const httpsPort = await freePort();
    const server = await startServer({ env: { RED_CORAL_TLS: 'off', HTTPS_PORT: String(httpsPort) } });
    try {
      await expect(fetch(`https://127.0.0.1:${httpsPort}/api/health`)).rejects.toThrow();
      expect(() => statSync(join(server.dataDir, 'tls'))).toThrow();
      expect((await call<HttpsInfo>(server.url, 'GET', HTTPS_INFO_PATH)).body).toEqual({
        port: null,
        urls: [],
      });
      expect((await call(server.url, 'GET', '/setup')).text).toContain('HTTPS is off on this server');
      expect(server.output()).toContain('Open on the tablets (plain HTTP: RED_CORAL_TLS=off');
    } finally {
      await server.stop();
    }
  });

  test.each([
    ['RED_CORAL_TLS', 'maybe', 'RED_CORAL_TLS must be off (plain HTTP only) or on/unset, got "maybe"'],
    ['RED_CORAL_TLS_CERT', '/etc/venue.pem', 'RED_CORAL_TLS_CERT and RED_CORAL_TLS_KEY go together'],
    [
      'RED_CORAL_TLS_NAMES',
      'pos venue',
      'RED_CORAL_TLS_NAMES: "pos venue" is neither a host name nor an IP address',
    ],
    ['RED_CORAL_MAX_CONNECTIONS', '3', 'RED_CORAL_MAX_CONNECTIONS must be an integer >= 8, got "3"'],
    ['HTTPS_PORT', '70000', 'HTTPS_PORT must be an integer from 0 to 65535, got "70000"'],
  ])('an invalid %s=%s stops the start with one line', async (name, value, message) => {
    await expect(startServer({ tls: true, env: { [name]: value } })).rejects.toThrow(
      `Red Coral failed to start: ${message}`,
    );
  });
});
