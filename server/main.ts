/**
 * `npm start`: environment → TLS material → storage (SQLite, or PostgreSQL with
 * DATABASE_URL) → demo seed on a new database → stored items upgraded to today's schemas →
 * app → listen on HTTP and HTTPS. Prints where tablets open the app, the set-up page and,
 * once, the demo staff's PINs (announce.ts).
 * SIGTERM/SIGINT: end event streams, let in-flight writes finish, close the database.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publishStaffSheet, startupText } from './announce';
import { buildApp } from './app';
import { loadConfig } from './config';
import { StartupError } from './errors';
import { listen } from './listeners';
import { createLogger } from './log';
import { formatStaffSheet, seedDemo } from './seed';
import { buildAppIfMissing } from './static';
import { openStorage } from './storage/open';
import { prepareTls } from './tls/prepare';
import { describeUpgrade, upgradeStoredItems } from './upgrade';

/** Exit status after the database's history broke under us: restart me (EX_TEMPFAIL). */
const EXIT_HISTORY_BROKE = 75;

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<void> {
  const config = loadConfig(process.env, projectRoot);
  const interactive = process.stdout.isTTY === true;
  if (!config.noBuild && config.distDir) {
    try {
      await buildAppIfMissing(projectRoot, config.distDir);
    } catch (err) {
      // The API is still useful without the app (tools, tests); say so and carry on.
      process.stderr.write(`Building the app failed; serving the API only.\n${String(err)}\n`);
    }
  }

  const log = createLogger(config.logLevel, interactive);
  // Before the database: a broken key must stop the start before anything is seeded.
  const tls = await prepareTls(config.tls, config.dataDir);
  if (tls) log.info({ tls: tls.summary }, 'HTTPS ready');
  const { storage, drillHooks, epoch, location, epochRotated, onHistoryBreak } = await openStorage(
    config,
    log,
  );
  if (epochRotated) log.warn({ epoch }, `new deployment epoch: ${epochRotated}`);
  // Instances starting together on a new database: exactly one seeds it.
  await storage.exclusive('seed', async () => {
    if (!(await storage.isNew())) return;
    const staff = await seedDemo(storage, {
      adminPin: config.adminPin,
      scryptN: config.scryptN,
      timeZone: config.venue.timeZone,
    });
    process.stdout.write(publishStaffSheet(formatStaffSheet(staff), config.dataDir, interactive));
  });
  // Before listening: no device is served an item older than today's schema. Instances
  // starting together upgrade once; the others then find nothing to do.
  await storage.exclusive('upgrade', async () => {
    for (const line of describeUpgrade(await upgradeStoredItems(storage))) process.stdout.write(`${line}\n`);
  });

  const app = await buildApp({ storage, epoch, config, tls, logger: log, drillHooks });
  let ports: { port: number; httpsPort: number | null };
  try {
    ports = await listen(app, { host: config.host, port: config.port, httpsPort: config.httpsPort });
  } catch (err) {
    await storage.close();
    throw err;
  }
  process.stdout.write(`Red Coral is running (epoch ${epoch}; ${location}).\n`);
  process.stdout.write(await startupText({ host: config.host, ...ports, tls }, interactive));
  if (config.drills)
    process.stdout.write(
      '*** DRILL MODE: faults can be injected through /api/drills (docs/DRILLS.md). Never on a venue in service. ***\n',
    );

  let stopping = false;
  const shutdown = async (reason: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ reason }, 'shutting down');
    try {
      await app.close();
    } finally {
      await storage.close();
      process.exit(exitCode);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  // Serving on with a stale epoch would tell clients old versions are still comparable.
  onHistoryBreak((reason) => {
    app.log.error({ reason }, 'the database history changed under this instance; stopping to restart');
    void shutdown('history broke', EXIT_HISTORY_BROKE);
  });
}

main().catch((err) => {
  const detail =
    err instanceof StartupError
      ? err.message
      : err instanceof Error
        ? (err.stack ?? err.message)
        : String(err);
  process.stderr.write(`Red Coral failed to start: ${detail}\n`);
  process.exit(1);
});
