/**
 * A loopback proxy in front of a test server that runs a script in every page before the
 * app does: WebDriver classic (WebKitWebDriver) has no preload scripts, so the proxy adds
 * `<script src="/__test__/before-app.js">` at the top of each HTML page's head and serves
 * the script there. Same-origin and external, so a `script-src 'self'` policy allows it.
 * The proxy is its own origin (its own port): its pages' storage is apart from the server's.
 * Everything else, the event stream included, passes through untouched and unbuffered.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';

const SCRIPT_PATH = '/__test__/before-app.js';

export interface InjectProxy {
  url: string;
  close(): Promise<void>;
}

function forward(target: URL, script: string, req: IncomingMessage, res: ServerResponse): void {
  if (req.url === SCRIPT_PATH) {
    res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
    res.end(script);
    return;
  }
  // Identity encoding, so an HTML page can be edited as text.
  const headers = { ...req.headers, host: target.host, 'accept-encoding': 'identity' };
  const upstream = request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
    (answer) => {
      const type = String(answer.headers['content-type'] ?? '');
      if (!type.startsWith('text/html')) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        const html = Buffer.concat(chunks)
          .toString('utf8')
          .replace(/<head([^>]*)>/i, `<head$1><script src="${SCRIPT_PATH}"></script>`);
        const { etag: _etag, 'content-length': _length, ...rest } = answer.headers;
        res.writeHead(answer.statusCode ?? 502, { ...rest, 'content-length': Buffer.byteLength(html) });
        res.end(html);
      });
    },
  );
  upstream.on('error', () => {
    // The server is down (or went away mid-answer): as a browser would see it, no answer.
    res.destroy();
  });
  res.on('close', () => upstream.destroy());
  req.pipe(upstream);
}

/** Starts the proxy on 127.0.0.1 in front of `targetUrl`, serving `script` before every page's app. */
export async function startInjectProxy(targetUrl: string, script: string): Promise<InjectProxy> {
  const target = new URL(targetUrl);
  const server = createServer((req, res) => forward(target, script, req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
