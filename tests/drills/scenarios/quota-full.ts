/**
 * quota-full: a tablet's storage fills up, so IndexedDB refuses to save what arrives while
 * the menu keeps changing. The tablet must keep showing what it has, say in its sync log
 * that its storage is full, refuse a local edit openly rather than lose it, and converge
 * once space is back, without a reload.
 */
import type { Scenario } from '../runner';

export const quotaFull: Scenario = {
  name: 'quota-full',
  summary: "a tablet's IndexedDB refuses writes (storage full) while writes continue, then recovers",
  clients: 2,
  seconds: 8,
  convergeMs: 15_000,
  // Lines logged while storage is full cannot be saved either: the check reads the Diagnostics page.
  evidence: [],
  async run(ctx) {
    const [tablet] = ctx.clients;
    if (!tablet) return;
    await tablet.setQuotaFull(true);
    ctx.step(`${tablet.name}: storage full, IndexedDB refuses writes`);
    await ctx.sleep(ctx.durationMs / 2);
    // Staff try to change a price: the device must refuse it openly, not lose it quietly.
    const product = ctx.writer.spareProducts[0]!;
    try {
      await tablet.editPrice(product.id, 1234);
      ctx.problem(`${tablet.name} said it saved an edit while its storage was full`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!/storage is full/.test(message))
        ctx.problem(`${tablet.name}: unexpected answer to an edit: ${message}`);
      else
        ctx.step(`${tablet.name} refused a price edit: storage is full (what was typed stays in the form)`);
    }
    await ctx.sleep(ctx.durationMs / 2);
    const shown = await tablet.diagnosticsLog();
    if (!shown.some((l) => l.kind === 'storage_error'))
      ctx.problem(`${tablet.name}'s Diagnostics page did not show the storage error`);
    await tablet.setQuotaFull(false);
    ctx.step(`${tablet.name}: storage space is back`);
    // Once there is room again, staff save the same edit and it goes through.
    await ctx.editPrice(tablet, product.id, 1234);
    ctx.step(`${tablet.name} saved the price edit`);
  },
};
