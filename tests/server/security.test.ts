/**
 * The front door (contract section 9, issue #13's HTTP-layer findings): a `Host` that names
 * none of this server's names is refused with 421 on both ports (no DNS rebinding), every
 * answer carries the security headers, source maps are never served, and HSTS is sent
 * only where it cannot lock a tablet out.
 */

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { connect } from 'node:net';
import { hostname, networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../server/config';
import { hstsHeader } from '../../server/security';
import type { ApiErrorBody } from '../../src/shared/protocol';
import { type InProcessServer, startInProcessServer } from '../helpers/server';
import { call, errorOf } from './support';

let server: InProcessServer;

beforeAll(async () => {
  const dist = mkdtempSync(join(tmpdir(), 'red-coral-dist-'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Red Coral</title>');
  mkdirSync(join(dist, 'assets'));
  writeFileSync(
    join(dist, 'assets', 'app-1a2b3c.js'),
    'console.log(1);\n//# sourceMappingURL=app-1a2b3c.js.map',
  );
  writeFileSync(join(dist, 'assets', 'app-1a2b3c.js.map'), '{"version":3,"sources":["src/app/secret.ts"]}');
  server = await startInProcessServer({
    tls: true,
    seed: false,
    config: { distDir: dist, allowedHosts: ['pos.venue.example'] },
  });
});
afterAll(() => server.stop());

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON, or the text when it is not JSON. */
  body: unknown;
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** One GET with exactly this Host header, over HTTP or (trusting the venue CA) HTTPS. */
function getWithHost(base: string, path: string, host: string): Promise<Answer> {
  const url = new URL(base);
  const secure = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).request(
      {
        host: url.hostname,
        port: url.port,
        path,
        headers: { host },
        agent: false,
        // The Host header is the point here; the certificate is checked for localhost.
        ...(secure ? { ca: server.tls!.authority!.pem, servername: 'localhost' } : {}),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed(text) }),
        );
      },
    );
    request.once('error', reject);
    request.end();
  });
}

describe('the Host check', () => {
  test.each(['http', 'https'])(
    'over %s a foreign Host gets 421 misdirected_request in the error shape',
    async (scheme) => {
      const base = scheme === 'http' ? server.url : server.httpsUrl!;
      for (const path of ['/api/health', '/api/sync/status', '/setup', '/']) {
        const answer = await getWithHost(base, path, 'rebound.attacker.example');
        expect(answer.status, path).toBe(421);
        expect((answer.body as ApiErrorBody).error).toEqual({
          code: 'misdirected_request',
          message:
            'this server does not answer to Host "rebound.attacker.example"; a name of its own can be added with RED_CORAL_ALLOWED_HOSTS',
          details: { host: 'rebound.attacker.example' },
        });
      }
    },
  );

  test("the server's own names and addresses pass, with or without a port, in any case", async () => {
    const lan = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal)
      .map((a) => (a!.family === 'IPv6' ? `[${a!.address}]` : a!.address));
    const hosts = [
      '127.0.0.1',
      `127.0.0.1:${server.port}`,
      'localhost',
      'LocalHost:8080',
      '[::1]:8443',
      `${hostname()}`,
      `${hostname().split('.')[0]}.local:8443`,
      ...lan.map((a) => `${a}:8080`),
    ];
    for (const host of hosts) {
      expect((await getWithHost(server.url, '/api/health', host)).status, host).toBe(200);
      expect((await getWithHost(server.httpsUrl!, '/api/health', host)).status, host).toBe(200);
    }
  });

  test('RED_CORAL_ALLOWED_HOSTS names pass too; a name that only ends like one does not', async () => {
    expect((await getWithHost(server.url, '/api/health', 'pos.venue.example:443')).status).toBe(200);
    expect((await getWithHost(server.url, '/api/health', 'evil-pos.venue.example')).status).toBe(421);
    expect((await getWithHost(server.url, '/api/health', 'pos.venue.example.attacker.example')).status).toBe(
      421,
    );
  });

  test('a request with no Host at all (HTTP/1.0) is refused the same way', async () => {
    const socket = connect(server.port, '127.0.0.1');
    socket.write('GET /api/health HTTP/1.0\r\n\r\n');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    await new Promise((resolve) => socket.once('close', resolve));
    expect(text.split('\r\n')[0]).toBe('HTTP/1.1 421 Misdirected Request');
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).error.code).toBe('misdirected_request');
  });

  test('loadConfig reads RED_CORAL_ALLOWED_HOSTS and counts RED_CORAL_TLS_NAMES among the allowed', () => {
    const config = loadConfig(
      { RED_CORAL_TLS_NAMES: 'venue.test', RED_CORAL_ALLOWED_HOSTS: 'POS.example.org, 10.9.8.7' },
      '/srv',
    );
    expect(config.allowedHosts).toEqual(['venue.test', 'pos.example.org', '10.9.8.7']);
    expect(() => loadConfig({ RED_CORAL_ALLOWED_HOSTS: 'https://pos.example.org' }, '/srv')).toThrow(
      'RED_CORAL_ALLOWED_HOSTS: "https://pos.example.org" is neither a host name nor an IP address',
    );
  });
});

describe('security headers', () => {
  const CSP =
    "default-src 'self';script-src 'self';script-src-attr 'none';style-src 'self';img-src 'self' data: blob:;" +
    "font-src 'self';connect-src 'self';manifest-src 'self';worker-src 'self';object-src 'none';base-uri 'self';" +
    "form-action 'self';frame-ancestors 'none'";

  test.each(['/', '/setup', '/api/health', '/api/products'])(
    '%s: CSP with frame-ancestors none, nosniff, no framing',
    async (path) => {
      for (const base of [server.url, server.httpsUrl!]) {
        const answer = await getWithHost(base, path, 'localhost');
        expect(answer.headers['content-security-policy']).toBe(CSP);
        expect(answer.headers['x-content-type-options']).toBe('nosniff');
        expect(answer.headers['x-frame-options']).toBe('DENY');
        // The HTTPS port is not 443, so no HSTS: it would send http://name:8080 to https://name:8080.
        expect(answer.headers['strict-transport-security']).toBeUndefined();
      }
    },
  );

  test("the API's answers keep the contract's shape under the headers", async () => {
    const answer = await call(server.url, 'GET', '/api/products');
    expect(answer.status).toBe(401);
    expect(errorOf(answer)).toEqual({ code: 'not_signed_in', message: 'sign in first', details: null });
  });

  test('source maps are never served, even when an old build left them in dist/', async () => {
    const script = await call(server.url, 'GET', '/assets/app-1a2b3c.js');
    expect(script.status).toBe(200);
    const map = await call(server.url, 'GET', '/assets/app-1a2b3c.js.map');
    expect(map.status).toBe(404);
    expect(errorOf(map).code).toBe('not_found');
    expect(map.text).not.toContain('secret.ts');
  });
});

describe('HSTS', () => {
  const at = (host: string | null, httpPort: number, httpsPort: number, secure = true) =>
    hstsHeader({ secure, host, httpPort, httpsPort });

  test('only over HTTPS, for a name, when HTTP is on 80 and HTTPS on 443', () => {
    expect(at('pos.venue.example', 80, 443)).toBe('max-age=31536000');
    expect(at('pos.venue.example', 80, 443, false)).toBeNull();
  });

  test('never on other ports: the upgrade keeps the port, and 8080 speaks no TLS', () => {
    expect(at('pos.venue.example', 8080, 8443)).toBeNull();
    expect(at('pos.venue.example', 8080, 443)).toBeNull();
    expect(at('pos.venue.example', 80, 8443)).toBeNull();
  });

  test('never for an IP address or localhost', () => {
    for (const host of ['192.168.1.20', '::1', 'localhost', 'till.localhost', null])
      expect(at(host, 80, 443), String(host)).toBeNull();
  });
});
