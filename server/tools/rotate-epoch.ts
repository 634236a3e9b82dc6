/**
 * `DATABASE_URL=postgres://... npx tsx server/tools/rotate-epoch.ts`: gives a PostgreSQL
 * deployment a new epoch. Run it after restoring the database in place (point-in-time
 * recovery, `pg_restore --clean` into the same database): the restored history no longer
 * matches what clients hold, so they must re-verify. Running instances notice within
 * RED_CORAL_DB_POLL_MS and stop (exit status 75) so their supervisor restarts them.
 */
import pg from 'pg';
import { describeDatabase } from '../storage/postgres-pool';
import { rotateEpoch } from '../storage/postgres-schema';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url || !/^postgres(ql)?:\/\//.test(url)) throw new Error('set DATABASE_URL to the postgres:// URL');
  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 5000 });
  try {
    const epoch = await rotateEpoch(pool);
    process.stdout.write(`New epoch for ${describeDatabase(url)}: ${epoch}\n`);
  } finally {
    await pool.end();
  }
}

main().catch((err) => {
  process.stderr.write(`rotate-epoch failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
