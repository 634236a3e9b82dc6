/**
 * Talking to a test server's HTTPS port the way a set-up tablet does: trusting the venue
 * CA and nothing else. `fetchTrusting(ca)` is a `fetch` over node:https whose `ca` replaces
 * the default roots, so any certificate the CA did not issue (or a name it does not cover)
 * fails exactly as it would on a tablet. It plugs into the clients of tests/server/support.ts.
 * `homeTrusting(ca)` is a HOME whose NSS database trusts the CA, for Chromium on Linux.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

/** A `fetch` for HTTPS URLs that trusts only `ca` (PEM). `servername` overrides SNI and the checked name. */
export function fetchTrusting(ca: string, options: { servername?: string } = {}): typeof fetch {
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const headers = new Headers(init?.headers);
      const body = init?.body;
      if (body !== undefined && body !== null && typeof body !== 'string')
        throw new Error('fetchTrusting sends string bodies only');
      if (typeof body === 'string') headers.set('content-length', String(Buffer.byteLength(body)));
      const request = https.request(
        url,
        {
          method: init?.method ?? 'GET',
          headers: Object.fromEntries(headers),
          ca,
          servername: options.servername,
          agent: false,
          signal: init?.signal ?? undefined,
        },
        (res) => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers))
            for (const v of Array.isArray(value) ? value : [value])
              if (v !== undefined) responseHeaders.append(name, v);
          const status = res.statusCode ?? 0;
          const empty = status === 204 || status === 304 || init?.method === 'HEAD';
          if (empty) res.resume();
          resolve(
            new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
              status,
              statusText: res.statusMessage,
              headers: responseHeaders,
            }),
          );
        },
      );
      request.once('error', reject);
      request.end(body ?? undefined);
    });
}

/**
 * A fresh HOME whose NSS database (`~/.pki/nssdb`, what Chromium on Linux trusts) holds the
 * venue CA as a trusted authority for servers: a browser launched with it is a set-up
 * tablet. Needs `certutil` (Debian's libnss3-tools; `.ci/run` installs it).
 */
export function homeTrusting(ca: string): string {
  const home = mkdtempSync(join(tmpdir(), 'red-coral-home-'));
  const db = join(home, '.pki', 'nssdb');
  mkdirSync(db, { recursive: true });
  const caFile = join(home, 'venue-ca.pem');
  writeFileSync(caFile, ca);
  try {
    execFileSync('certutil', ['-d', `sql:${db}`, '-N', '--empty-password'], { stdio: 'pipe' });
    execFileSync('certutil', ['-d', `sql:${db}`, '-A', '-t', 'C,,', '-n', 'venue', '-i', caFile], {
      stdio: 'pipe',
    });
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing ? 'certutil is missing: install libnss3-tools (apt-get install libnss3-tools)' : String(err),
    );
  }
  return home;
}
