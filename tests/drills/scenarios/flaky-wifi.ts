/**
 * flaky-wifi: the venue's Wi-Fi keeps dropping. Every couple of seconds the server cuts
 * every event stream, and one tablet loses the network altogether for a moment, during
 * which staff change a price on it. The back office keeps writing throughout.
 */
import type { Scenario } from '../runner';

export const flakyWifi: Scenario = {
  name: 'flaky-wifi',
  summary: 'streams cut every few seconds and a tablet briefly offline while writes continue',
  clients: 2,
  seconds: 20,
  convergeMs: 10_000,
  evidence: [['fault'], ['stream_closed'], ['write_queued']],
  async run(ctx) {
    const [tablet] = ctx.clients;
    const spare = ctx.writer.spareProducts;
    const end = Date.now() + ctx.durationMs;
    for (let round = 0; Date.now() < end; round++) {
      const cut = await ctx.control.cut();
      ctx.step(`cut ${cut} event streams`);
      await ctx.sleep(1000);
      if (round % 2 === 0 && tablet) {
        ctx.step(`${tablet.name} loses the Wi-Fi and staff change a price on it`);
        await ctx.goOffline(tablet);
        const product = spare[round % spare.length]!;
        const cents = 700 + round;
        await tablet.editPrice(product.id, cents);
        ctx.ledger.record({
          resource: 'product',
          id: product.id,
          deleted: false,
          fields: { priceCents: cents },
          by: tablet.name,
        });
        await ctx.sleep(1000);
        await tablet.setOffline(false);
        ctx.step(`${tablet.name} is back on the Wi-Fi`);
      }
      await ctx.sleep(1000);
    }
  },
};
