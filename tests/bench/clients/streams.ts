/**
 * Client process: many SSE streams (or pollers) against the server, recording for every
 * marked change how long it took from the writer's send to arrival here. Kept light on
 * purpose: SSE bytes are scanned for the marker, never JSON-parsed, so 10,000 streams
 * fit in one process and the figure is the server's, not this parser's.
 */
import { Agent, type IncomingMessage, request } from 'node:http';
import { monoMs } from '../lib/clock';
import { MARK } from '../lib/marker';
import { Histogram } from '../lib/stats';
import type { OpenStreams, StreamReply, StreamRequest } from './messages';

const markBytes = Buffer.from(MARK);
let histogram = new Histogram();
let received = 0;
let lost = 0;
let closing = false;
const sockets = new Set<{ destroy(): void }>();
const timers = new Set<NodeJS.Timeout>();

function reply(message: StreamReply): void {
  process.send?.(message);
}

/** Records every complete marker in `buf`; returns where an incomplete one starts, or -1. */
function scan(buf: Buffer, now: number): number {
  let i = buf.indexOf(markBytes);
  while (i !== -1) {
    let j = i + markBytes.length;
    while (j < buf.length && ((buf[j]! >= 48 && buf[j]! <= 57) || buf[j] === 46)) j++;
    if (j === buf.length) return i;
    histogram.record(now - Number(buf.toString('latin1', i + markBytes.length, j)));
    received++;
    i = buf.indexOf(markBytes, j);
  }
  return -1;
}

/** The tail of `buf` that could be the start of a marker split across reads (rare), or null. */
function markPrefixAtEnd(buf: Buffer): Buffer | null {
  for (let k = Math.min(markBytes.length - 1, buf.length); k > 0; k--)
    if (buf.compare(markBytes, 0, k, buf.length - k) === 0) return buf.subarray(buf.length - k);
  return null;
}

/** Opens one event stream; resolves true once its hello arrived. */
function openStream(opts: OpenStreams): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${opts.url}/api/sync/events`, {
      headers: { authorization: `Bearer ${opts.token}`, accept: 'text/event-stream' },
      agent: false,
    });
    let hello = false;
    let carry: Buffer | null = null;
    req.on('response', (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        res.resume();
        resolve(false);
        return;
      }
      sockets.add(res.socket);
      res.on('data', (chunk: Buffer) => {
        const now = monoMs();
        const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
        carry = null;
        if (!hello && buf.includes('event: hello')) {
          hello = true;
          resolve(true);
        }
        const partial = scan(buf, now);
        // Keep an unfinished marker, or the bytes that may begin one, for the next chunk.
        if (partial !== -1) carry = buf.subarray(partial);
        else carry = markPrefixAtEnd(buf);
      });
      res.on('close', () => {
        sockets.delete(res.socket);
        if (!closing) lost++;
      });
    });
    req.on('error', () => {
      if (!closing) lost++;
      resolve(false);
    });
    req.end();
  });
}

/** Starts one poller; resolves after its first answer. */
function startPoller(opts: OpenStreams): Promise<boolean> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  sockets.add(agent);
  let since = opts.since ?? 0;
  const pollMs = opts.pollMs ?? 1000;
  const poll = () =>
    new Promise<boolean>((resolve) => {
      const req = request(
        `${opts.url}/api/sync/changes?resource=product&since=${since}`,
        { headers: { authorization: `Bearer ${opts.token}` }, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const now = monoMs();
            try {
              const body = JSON.parse(Buffer.concat(chunks).toString()) as {
                version?: number;
                changes?: { data: { description?: string } | null }[];
                error?: { details?: { version?: number } };
              };
              for (const change of body.changes ?? []) {
                const d = change.data?.description;
                if (d?.startsWith(MARK)) {
                  histogram.record(now - Number(d.slice(MARK.length)));
                  received++;
                }
              }
              since = body.version ?? body.error?.details?.version ?? since;
              resolve(res.statusCode === 200);
            } catch {
              resolve(false);
            }
          });
        },
      );
      req.on('error', () => {
        if (!closing) lost++;
        resolve(false);
      });
      req.end();
    });
  return new Promise((resolveFirst) => {
    // A random phase, as independent devices would have.
    const first = setTimeout(async () => {
      timers.delete(first);
      resolveFirst(await poll());
      const loop = async () => {
        if (closing) return;
        const started = Date.now();
        await poll();
        if (closing) return;
        const t = setTimeout(loop, Math.max(0, pollMs - (Date.now() - started)));
        timers.add(t);
      };
      const t = setTimeout(loop, pollMs);
      timers.add(t);
    }, Math.random() * pollMs);
    timers.add(first);
  });
}

async function open(opts: OpenStreams): Promise<void> {
  const started = Date.now();
  const start = opts.mode === 'sse' ? openStream : startPoller;
  // Connect in waves so the server's accept queue is not the thing measured.
  const WAVE = 250;
  let connected = 0;
  let failed = 0;
  for (let i = 0; i < opts.count; i += WAVE) {
    const results = await Promise.all(
      Array.from({ length: Math.min(WAVE, opts.count - i) }, () => start(opts)),
    );
    for (const ok of results) ok ? connected++ : failed++;
  }
  reply({ type: 'opened', connected, failed, ms: Date.now() - started });
}

process.on('message', (raw) => {
  const message = raw as StreamRequest;
  switch (message.type) {
    case 'open':
      void open(message);
      return;
    case 'reset':
      histogram = new Histogram();
      received = 0;
      lost = 0;
      reply({ type: 'reset' });
      return;
    case 'report':
      reply({
        type: 'report',
        sparse: histogram.toSparse(),
        max: histogram.max,
        received,
        lost,
        rssKiB: Math.round(process.memoryUsage().rss / 1024),
      });
      return;
    case 'exit':
      closing = true;
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      process.disconnect?.();
      setTimeout(() => process.exit(0), 50).unref();
      return;
  }
});
// The driver died: do not linger.
process.on('disconnect', () => process.exit(0));
