/** Many SSE clients (or pollers) in other processes (clients/streams.ts). */
import type { OpenStreams, StreamReply, StreamReport, StreamRequest } from '../clients/messages';
import { ClientProcess } from './children';
import { Histogram } from './stats';

export interface StreamGroup {
  connected: number;
  failed: number;
  /** Clears what was recorded so far (warm-up excluded). */
  reset(): Promise<void>;
  /** Latencies and counts over every process. */
  report(): Promise<{ histogram: Histogram; received: number; lost: number; clientRssKiB: number }>;
  close(): Promise<void>;
}

/** Opens `opts.count` clients spread over `processes` client processes. */
export async function openStreams(
  opts: Omit<OpenStreams, 'type'>,
  processes = 1,
  timeoutMs = 120_000,
): Promise<StreamGroup> {
  const children = Array.from(
    { length: processes },
    () => new ClientProcess<StreamRequest, StreamReply>('streams.ts', { maxOldSpaceMb: 2048 }),
  );
  let connected = 0;
  let failed = 0;
  try {
    const per = Math.ceil(opts.count / processes);
    const opened = await Promise.all(
      children.map((c, i) =>
        c.request(
          { type: 'open', ...opts, count: Math.max(0, Math.min(per, opts.count - i * per)) },
          'opened',
          timeoutMs,
        ),
      ),
    );
    for (const o of opened) {
      connected += o.connected;
      failed += o.failed;
    }
  } catch (err) {
    await Promise.all(children.map((c) => c.close()));
    throw err;
  }
  return {
    connected,
    failed,
    async reset() {
      await Promise.all(children.map((c) => c.request({ type: 'reset' }, 'reset', 30_000)));
    },
    async report() {
      const reports: StreamReport[] = await Promise.all(
        children.map((c) => c.request({ type: 'report' }, 'report', 30_000)),
      );
      const histogram = new Histogram();
      let received = 0;
      let lost = 0;
      let clientRssKiB = 0;
      for (const r of reports) {
        histogram.merge(Histogram.fromSparse(r.sparse, r.max));
        received += r.received;
        lost += r.lost;
        clientRssKiB += r.rssKiB;
      }
      return { histogram, received, lost, clientRssKiB };
    },
    async close() {
      await Promise.all(children.map((c) => c.close()));
    },
  };
}
