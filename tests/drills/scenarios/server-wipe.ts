/**
 * server-wipe: the server's database is wiped and reseeded, as when a venue's server is
 * replaced by a fresh install. Everything the tablets hold is now wrong: the epoch is new,
 * every item id changed, and every session is gone. Staff sign in again, and each tablet
 * must end up with exactly the new data: nothing of the old menu may survive on it.
 */
import { signInAt } from '../http';
import type { Scenario } from '../runner';

export const serverWipe: Scenario = {
  name: 'server-wipe',
  summary: 'database wiped and reseeded under the clients; staff sign in again',
  clients: 2,
  seconds: 10,
  convergeMs: 15_000,
  evidence: [['fault'], ['epoch_changed', 'reset']],
  cannotRun: (options) =>
    options.serverUrl !== null && !options.allowWipe
      ? `server-wipe erases every item on ${options.serverUrl}; run it on a test copy and pass --allow-wipe`
      : null,
  async run(ctx) {
    await ctx.sleep(ctx.durationMs / 2);
    await ctx.writer.stop();
    const wiped = await ctx.control.wipe();
    ctx.step(`database wiped and reseeded; new epoch ${wiped.epoch.slice(0, 8)}`);
    const manager = wiped.staff.find((s) => s.role === 'Manager');
    if (!manager) throw new Error('the reseeded staff has no Manager');
    ctx.pin = manager.pin;
    // Writes before the wipe are gone on purpose; from now on the ledger starts again.
    ctx.ledger.clear();
    ctx.admin.token = (await signInAt(ctx.server.url, ctx.pin)).token;
    await ctx.writer.prepare();
    for (const client of ctx.clients) {
      const deadline = Date.now() + 20_000;
      while (!(await client.showsSignIn())) {
        if (Date.now() > deadline) throw new Error(`${client.name} never asked staff to sign in again`);
        await ctx.sleep(250);
      }
      await client.signIn(ctx.pin);
      ctx.step(`${client.name} asked for a PIN again; signed in`);
    }
    ctx.writer.start();
    await ctx.sleep(ctx.durationMs / 2);
  },
};
