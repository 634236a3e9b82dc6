/**
 * tab-churn: staff keep closing and opening the app's tabs on one device. The tab holding
 * the event stream (the Web Lock) is closed again and again; another tab must take the
 * stream over each time, and every open tab must keep showing current data.
 */
import type { Scenario } from '../runner';

export const tabChurn: Scenario = {
  name: 'tab-churn',
  summary: 'the leader tab closed every 2 s and a new tab opened, while writes continue',
  clients: 1,
  tabs: 3,
  seconds: 10,
  convergeMs: 10_000,
  evidence: [['leader']],
  async run(ctx) {
    const [device] = ctx.clients;
    if (!device) return;
    const end = Date.now() + ctx.durationMs;
    let closed = 0;
    while (Date.now() < end) {
      await device.closeTab();
      closed++;
      await device.openTab('/#/menu');
      ctx.step(`closed the leader tab (${closed}) and opened a new one; ${device.pages.length} tabs open`);
      await ctx.sleep(2000);
    }
    const leaders = (await device.log()).filter((l) => l.kind === 'leader').length;
    if (leaders < closed)
      ctx.problem(`the stream was taken over ${leaders} times for ${closed} closed leader tabs`);
  },
};
