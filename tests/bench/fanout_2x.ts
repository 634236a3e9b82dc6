/**
 * fanout_2x: two server instances on one PostgreSQL database, 1,000 SSE clients split
 * between them, 50 writes/s through instance A (lib/fanout-instances.ts).
 */
import type { Benchmark } from './lib/bench';
import { runFanoutInstances } from './lib/fanout-instances';

export const fanout2x: Benchmark = {
  name: 'fanout_2x',
  what:
    'two instances on one PostgreSQL database, 1,000 SSE clients split between them, 50 writes/s through one: ' +
    'write → receive p99 on the writing instance and across instances, memory per connection',
  run: (ctx) => runFanoutInstances(ctx, { name: 'fanout_2x', clients: 1000, p99LimitMs: 50 }),
};
