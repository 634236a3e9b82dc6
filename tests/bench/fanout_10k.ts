/** fanout_10k: 10,000 SSE clients in other processes (see lib/fanout.ts). */
import type { Benchmark } from './lib/bench';
import { runFanout } from './lib/fanout';

export const fanout10k: Benchmark = {
  name: 'fanout_10k',
  what: '10,000 SSE clients, 50 writes/s: write → receive p99 and server memory per connection',
  run: (ctx) => runFanout(ctx, { name: 'fanout_10k', clients: 10_000, p99LimitMs: 250 }),
};
