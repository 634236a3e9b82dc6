/**
 * duplicate-storm: every sync event arrives several times (a proxy retrying, a buggy
 * relay). Each tablet must apply every change once and ignore the copies.
 */
import type { Scenario } from '../runner';

export const duplicateStorm: Scenario = {
  name: 'duplicate-storm',
  summary: "every sync event delivered 4 times, one tablet's products 6 times",
  clients: 2,
  seconds: 10,
  convergeMs: 10_000,
  evidence: [['fault'], ['duplicate_ignored']],
  async run(ctx) {
    const [, second] = ctx.clients;
    await ctx.control.fault({ kind: 'duplicate', copies: 4 });
    ctx.step('every sync event to every client sent 4 times');
    if (second) {
      await ctx.control.fault({
        kind: 'duplicate',
        copies: 6,
        resource: 'product',
        client: second.userAgentTag,
      });
      ctx.step(`product events to ${second.name} sent 6 times`);
    }
    await ctx.sleep(ctx.durationMs);
  },
};
