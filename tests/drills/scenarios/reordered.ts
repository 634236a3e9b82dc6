/**
 * reordered: sync events arrive out of order (held and released newest first, or one
 * type delayed behind the others). A tablet must never apply an older change over a newer
 * one: a jump ahead is a gap to catch up, the late originals are duplicates to ignore.
 */
import type { Scenario } from '../runner';

export const reordered: Scenario = {
  name: 'reordered',
  summary: "events released newest-first in windows of 4, and one tablet's products delayed 1.5 s",
  clients: 2,
  seconds: 10,
  convergeMs: 10_000,
  evidence: [['fault'], ['gap_caught_up'], ['duplicate_ignored']],
  async run(ctx) {
    const [, second] = ctx.clients;
    await ctx.control.fault({ kind: 'reorder', window: 4 });
    ctx.step('sync events held in windows of 4 and sent newest first');
    if (second) {
      await ctx.control.fault({
        kind: 'delay',
        delayMs: 1500,
        resource: 'product',
        client: second.userAgentTag,
      });
      ctx.step(`product events to ${second.name} delayed 1.5 s`);
    }
    await ctx.sleep(ctx.durationMs);
  },
};
