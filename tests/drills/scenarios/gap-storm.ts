/**
 * gap-storm: sync events go missing (a flaky proxy, a dropped packet burst). Each tablet
 * must notice the gap from the next event or heartbeat and catch up from the change log.
 */
import type { ResourceName } from '../../../src/shared/resources';
import type { Scenario } from '../runner';

const WRITTEN: ResourceName[] = ['product', 'dining_table', 'tag', 'category', 'zone'];

export const gapStorm: Scenario = {
  name: 'gap-storm',
  summary: 'bursts of dropped sync events, per type and per client',
  clients: 2,
  seconds: 10,
  convergeMs: 10_000,
  evidence: [['fault'], ['gap_caught_up']],
  async run(ctx) {
    const end = Date.now() + ctx.durationMs;
    for (let round = 0; Date.now() < end; round++) {
      const resource = WRITTEN[round % WRITTEN.length]!;
      const client = ctx.clients[round % ctx.clients.length]!;
      // Every other burst hits every client, the others only one.
      const target = round % 2 === 0 ? {} : { client: client.userAgentTag };
      await ctx.control.fault({
        kind: 'drop',
        resource: round % 3 === 2 ? undefined : resource,
        count: 2,
        ...target,
      });
      ctx.step(
        `dropping the next 2 ${round % 3 === 2 ? '' : `${resource} `}events${'client' in target ? ` to ${client.name}` : ''}`,
      );
      await ctx.sleep(1500);
    }
  },
};
