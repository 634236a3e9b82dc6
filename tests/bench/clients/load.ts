/**
 * Client process: HTTP load with autocannon, so the load tool never shares a process (or
 * an event loop) with the server or the driver. Writes carry a marker and rotate over the
 * bench products, so every request is a real change with its own version.
 */
import autocannon, { type Options } from 'autocannon';
import { monoMs } from '../lib/clock';
import { benchProductId, markedText } from '../lib/marker';
import type { LoadOptions, LoadReply, LoadRequest } from './messages';

function autocannonOptions(o: LoadOptions): Options {
  const headers: Record<string, string> = {};
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  const base = { url: o.url, connections: o.connections, duration: o.durationS, timeout: 30 };
  if (o.kind === 'get') return { ...base, headers, requests: [{ method: 'GET', path: o.path ?? '/' }] };
  const products = Math.max(1, o.products ?? 1);
  let n = 0;
  return {
    ...base,
    requests: [
      {
        method: 'PATCH',
        headers: { ...headers, 'content-type': 'application/json' },
        // Called for every request: a new product and a fresh marker each time.
        setupRequest: (req) => ({
          ...req,
          path: `/api/products/${benchProductId(n++ % products)}`,
          body: JSON.stringify({ description: markedText(monoMs()) }),
        }),
      },
    ],
  };
}

async function run(options: LoadOptions): Promise<LoadReply> {
  const r = await autocannon(autocannonOptions(options));
  return {
    type: 'result',
    rps: r['2xx'] / r.duration,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    durationS: r.duration,
    latencyP50: r.latency.p50,
    latencyP99: r.latency.p99,
  };
}

process.on('message', (raw) => {
  const message = raw as LoadRequest;
  if (message.type === 'exit') {
    process.disconnect?.();
    setTimeout(() => process.exit(0), 50).unref();
    return;
  }
  void run(message.options).then(
    (result) => process.send?.(result),
    (err: unknown) => {
      process.stderr.write(`load failed: ${String(err)}\n`);
      process.exit(1);
    },
  );
});
process.on('disconnect', () => process.exit(0));
