/**
 * long-offline: a tablet stays offline (in a drawer overnight) while the menu changes more
 * than the server's change log keeps, and staff changed prices on it before it went dark.
 * Back online, catch-up must fail with too_old and the tablet must reload the type in
 * full, and the edits it made offline must reach the server.
 */
import type { Scenario } from '../runner';

export const longOffline: Scenario = {
  name: 'long-offline',
  summary: "a tablet offline while more changes happen than the server's log keeps",
  clients: 2,
  seconds: 6,
  convergeMs: 15_000,
  evidence: [['too_old_reload'], ['write_queued']],
  async run(ctx) {
    const [tablet] = ctx.clients;
    if (!tablet) return;
    await ctx.goOffline(tablet);
    await tablet.waitForStatus('Offline', 15_000);
    ctx.step(`${tablet.name} goes offline and shows Offline`);
    for (const [i, product] of ctx.writer.spareProducts.slice(0, 2).entries()) {
      const cents = 1990 + i;
      await ctx.editPrice(tablet, product.id, cents);
    }
    ctx.step(`${tablet.name}: staff changed 2 prices offline`);
    const retention = ctx.server.retention;
    if (retention === null) {
      // Unknown retention (a venue's server): make the server answer as if the history were gone.
      await ctx.control.fault({ kind: 'too_old', client: tablet.userAgentTag });
      ctx.step(`catch-ups of ${tablet.name} answered too_old (the log's retention is not known here)`);
    }
    const burst = (retention ?? 50) + 20;
    await ctx.writer.burst(burst);
    ctx.step(
      `${burst} product changes written while ${tablet.name} is offline (the log keeps ${retention ?? 'an unknown number'})`,
    );
    await ctx.sleep(ctx.durationMs);
    await tablet.setOffline(false);
    ctx.step(`${tablet.name} back online`);
    await ctx.sleep(3000);
  },
};
