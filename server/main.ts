/**
 * `npm start`: environment → storage → demo seed on a new database → app → listen.
 * Prints the LAN URLs to open on the tablets and, once, the demo staff's PINs.
 * SIGTERM/SIGINT: end event streams, let in-flight writes finish, close the database.
 */
import { randomUUID } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from './app';
import { loadConfig } from './config';
import { formatStaffSheet, seedDemo } from './seed';
import { buildAppIfMissing } from './static';
import { SqliteStorage } from './storage/sqlite';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The addresses a tablet on the LAN can reach this server at. */
function lanUrls(host: string, port: number): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [`http://${host}:${port}`];
  const urls = [`http://localhost:${port}`];
  for (const addresses of Object.values(networkInterfaces()))
    for (const a of addresses ?? [])
      if (a.family === 'IPv4' && !a.internal) urls.push(`http://${a.address}:${port}`);
  return urls;
}

async function main(): Promise<void> {
  const config = loadConfig(process.env, projectRoot);
  if (!config.noBuild && config.distDir) {
    try {
      await buildAppIfMissing(projectRoot, config.distDir);
    } catch (err) {
      // The API is still useful without the app (tools, tests); say so and carry on.
      process.stderr.write(`Building the app failed; serving the API only.\n${String(err)}\n`);
    }
  }

  const storage = SqliteStorage.open(config.dataDir, { logRetention: config.logRetention });
  if (await storage.isNew()) {
    const staff = await seedDemo(storage, { adminPin: config.adminPin, scryptN: config.scryptN });
    process.stdout.write(formatStaffSheet(staff));
  }

  const epoch = randomUUID();
  const app = await buildApp({ storage, epoch, config });
  await app.listen({ port: config.port, host: config.host });
  process.stdout.write(
    `Red Coral is running (epoch ${epoch}). Open on the tablets:\n${lanUrls(config.host, config.port)
      .map((u) => `  ${u}\n`)
      .join('')}`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    try {
      await app.close();
    } finally {
      await storage.close();
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(
    `Red Coral failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
