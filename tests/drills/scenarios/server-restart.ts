/**
 * server-restart: the server goes down and comes back (power cut, update) while the back
 * office writes and a tablet edits a price in the gap. A restarted SQLite server has a new
 * epoch, so every client must re-verify what it holds. Last, the epoch is rotated in place
 * (drill mode), which clients must treat exactly like a restart.
 */
import type { Scenario } from '../runner';

export const serverRestart: Scenario = {
  name: 'server-restart',
  summary:
    'server stopped and started twice, then its epoch rotated, while writes continue and a tablet edits offline',
  clients: 2,
  seconds: 12,
  convergeMs: 15_000,
  evidence: [['epoch_changed'], ['write_queued', 'write_retried']],
  cannotRun: (options) =>
    options.serverUrl !== null && !options.restartCommand
      ? 'server-restart on a server the drill did not start needs --restart-command "<shell command that restarts it>"'
      : null,
  async run(ctx) {
    const [, tablet] = ctx.clients;
    const managed = ctx.server.managed;
    await ctx.sleep(ctx.durationMs / 3);
    if (managed && tablet) {
      ctx.step('server stopped');
      await managed.stop();
      const product = ctx.writer.spareProducts[0]!;
      await ctx.editPrice(tablet, product.id, 4242);
      ctx.step(`${tablet.name} changed a price with no server`);
      await ctx.sleep(1500);
      await managed.start();
      ctx.step('server started again (new epoch)');
    } else {
      ctx.step('restarting the server with --restart-command');
      await ctx.restartServer();
      ctx.step('server restarted');
    }
    await ctx.sleep(ctx.durationMs / 3);
    ctx.step('server restarted once more');
    await ctx.restartServer();
    await ctx.sleep(ctx.durationMs / 3);
    // A restart the clients cannot tell from a real one: same process, new epoch. Not on
    // PostgreSQL, whose epoch belongs to every instance (the server refuses it there).
    const rotated = await ctx.admin.call<{ epoch: string }>('POST', '/api/drills/rotate-epoch', { body: {} });
    if (rotated.status === 200) {
      ctx.step(`epoch rotated in place: ${rotated.body.epoch.slice(0, 8)}`);
      await ctx.sleep(ctx.durationMs / 3);
    } else ctx.step(`epoch rotation refused (${rotated.status}); skipped`);
  },
};
