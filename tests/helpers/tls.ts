/**
 * Talking to a test server's HTTPS port the way a set-up tablet does: trusting the venue
 * CA and nothing else. `fetchTrusting(ca)` is a `fetch` over node:https whose `ca` replaces
 * the default roots, so any certificate the CA did not issue (or a name it does not cover)
 * fails exactly as it would on a tablet. It plugs into the clients of tests/server/support.ts.
 */
import https from 'node:https';
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
