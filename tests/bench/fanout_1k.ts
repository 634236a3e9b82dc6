/** fanout_1k: 1,000 SSE clients in another process (see lib/fanout.ts). */
import type { Benchmark } from './lib/bench';
import { runFanout } from './lib/fanout';

export const fanout1k: Benchmark = {
  name: 'fanout_1k',
  what: '1,000 SSE clients, 50 writes/s: write → receive p99 and server memory per connection',
  run: (ctx) => runFanout(ctx, { name: 'fanout_1k', clients: 1000, p99LimitMs: 50 }),
};
