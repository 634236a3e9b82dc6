/**
 * flaky-wifi: the venue's Wi-Fi keeps misbehaving while the back office keeps writing.
 * Rounds of, in turn:
 * - every event stream cut by the server;
 * - tablet-1 losing the network for a moment, during which staff change a price on it;
 * - a half-dead connection to tablet-2: its stream stays open but carries nothing (no
 *   events, no heartbeats), as when an access point hangs. Only the silence tells; the
 *   tablet must give up on the stream and reopen it.
 */
import type { Scenario } from '../runner';

export const flakyWifi: Scenario = {
  name: 'flaky-wifi',
  summary: 'streams cut, a tablet briefly offline, a silent half-open stream, while writes continue',
  clients: 2,
  seconds: 20,
  convergeMs: 10_000,
  evidence: [['fault'], ['stream_closed'], ['write_queued']],
  async run(ctx) {
    const [tablet, second] = ctx.clients;
    const spare = ctx.writer.spareProducts;
    const silence = 4 * ctx.server.heartbeatMs;
    const end = Date.now() + ctx.durationMs;
    let silenced = 0;
    for (let round = 0; Date.now() < end; round++) {
      const cut = await ctx.control.cut();
      ctx.step(`cut ${cut} event streams`);
      await ctx.sleep(1000);
      if (round % 2 === 0 && tablet) {
        ctx.step(`${tablet.name} loses the Wi-Fi and staff change a price on it`);
        await ctx.goOffline(tablet);
        const product = spare[round % spare.length]!;
        const cents = 700 + round;
        await ctx.editPrice(tablet, product.id, cents);
        await ctx.sleep(1000);
        await tablet.setOffline(false);
        ctx.step(`${tablet.name} is back on the Wi-Fi`);
      } else if (second) {
        const target = { client: second.userAgentTag, durationMs: silence };
        await ctx.control.fault({ kind: 'stall_heartbeats', ...target });
        await ctx.control.fault({ kind: 'drop', ...target });
        silenced++;
        ctx.step(`${second.name}'s stream goes silent for ${silence / 1000} s (no events, no heartbeats)`);
        await ctx.sleep(silence);
      }
      await ctx.sleep(1000);
    }
    if (second && silenced > 0) {
      const reopened = (await second.log()).filter((l) =>
        /no message for .*reopening the stream/.test(l.message),
      );
      if (reopened.length === 0)
        ctx.problem(`${second.name} never noticed its stream had gone silent (no "no message for ..." line)`);
      else ctx.step(`${second.name} noticed the silence ${reopened.length} time(s) and reopened its stream`);
    }
  },
};
