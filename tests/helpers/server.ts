/**
 * Test servers on 127.0.0.1 with a real port, on either storage: a real SQLite file in a
 * temp dir, or a fresh database on a throwaway PostgreSQL cluster (./postgres.ts).
 * `startServer` spawns the real process (`node --import tsx server/main.ts`), for tests of
 * restarts, epochs, signals and several instances; `startInProcessServer` builds the app
 * in this process, which is much faster for everything else. Both serve plain HTTP only
 * unless asked for `tls`: then HTTPS too, on a port of its own, from the venue CA in the
 * data dir (`fetchTrusting(server.ca())` in ./tls.ts talks to it with that CA as the only trust).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildApp } from '../../server/app';
import { type AppConfig, DEFAULT_CONFIG } from '../../server/config';
import { listen } from '../../server/listeners';
import { type SeededEmployee, seedDemo } from '../../server/seed';
import { openStorage } from '../../server/storage/open';
import { databasePath } from '../../server/storage/sqlite';
import type { DrillHooks, Storage } from '../../server/storage/types';
import { prepareTls, type TlsMaterial, type TlsSettings, tlsDir } from '../../server/tls/prepare';
import type { Health, LoginResponse } from '../../src/shared/protocol';
import { dropDatabase, freshDatabase } from './postgres';

/** The two storages every server suite runs against. */
export type StorageKind = 'sqlite' | 'postgres';

/**
 * Storages the suites run on: both, unless RED_CORAL_TEST_STORAGES narrows it (e.g.
 * `sqlite` for a quick local run). Without PostgreSQL installed the postgres suites fail
 * with a message saying how to install it; they are never skipped silently.
 */
export const STORAGE_KINDS: StorageKind[] = (() => {
  const wanted = process.env.RED_CORAL_TEST_STORAGES;
  if (!wanted) return ['sqlite', 'postgres'];
  const kinds = wanted.split(',').map((k) => k.trim());
  for (const k of kinds)
    if (k !== 'sqlite' && k !== 'postgres')
      throw new Error(`RED_CORAL_TEST_STORAGES: unknown storage "${k}"`);
  return kinds as StorageKind[];
})();

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface TestServer {
  url: string;
  port: number;
  /** `https://127.0.0.1:<port>` when started with `tls`, else null. */
  httpsUrl: string | null;
  httpsPort: number | null;
  /** The venue CA's certificate (PEM) the server made in its data dir (`tls` only). */
  ca(): string;
  dataDir: string;
  /** The PostgreSQL database it serves, or null on SQLite. */
  databaseUrl: string | null;
  /** The manager's PIN (RED_CORAL_ADMIN_PIN). */
  adminPin: string;
  /** The epoch the server reports now (changes on restart). */
  epoch(): Promise<string>;
  /** Signs in (default: the manager) and returns the bearer token. */
  login(pin?: string): Promise<string>;
  /** SIGTERM, then wait for the process to exit. */
  stop(): Promise<void>;
  /** SIGKILL, then wait for the process to exit. */
  kill(): Promise<void>;
  /** Stop, then start again on the same port and data dir (a new epoch). */
  restart(): Promise<void>;
  /** Starts it again after stop() or kill(), on the same port and data dir. */
  start(): Promise<void>;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** The process's exit status once it exited by itself, else null. */
  exitCode(): number | null;
}

export interface StartServerOptions {
  /** Default sqlite; postgres gets a fresh database unless `databaseUrl` names one. */
  storage?: StorageKind;
  /** A database to share with other instances (implies postgres). */
  databaseUrl?: string;
  dataDir?: string;
  /** Extra environment; overrides the defaults below. */
  env?: Record<string, string>;
  adminPin?: string;
  /**
   * Serve HTTPS too, on a free port (HTTPS_PORT). Default false: RED_CORAL_TLS=off, so the
   * many servers of a test run never compete for the default 8443.
   */
  tls?: boolean;
}

/** Temp data dirs this helper made; removed when the test process exits. */
const ownedDirs = new Set<string>();
/** Spawned servers still running; killed if the test process exits without stopping them. */
const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
  for (const dir of ownedDirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp data dir, cleaned up at exit. */
function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'red-coral-'));
  ownedDirs.add(dir);
  return dir;
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
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

/** Signs in with a PIN and returns the token; throws with the server's answer otherwise. */
export async function loginAt(url: string, pin: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pin }),
  });
  const body = (await res.json()) as LoginResponse;
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(body)}`);
  return body.token;
}

async function epochAt(url: string): Promise<string> {
  const res = await fetch(`${url}/api/health`);
  return ((await res.json()) as Health).epoch;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
  });
}

/** Spawns the real server process and waits until /api/health answers. */
export async function startServer(opts: StartServerOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? tempDataDir();
  const databaseUrl =
    opts.databaseUrl ??
    opts.env?.DATABASE_URL ??
    (opts.storage === 'postgres' ? await freshDatabase() : null);
  const adminPin = opts.adminPin ?? opts.env?.RED_CORAL_ADMIN_PIN ?? '1234';
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const httpsPort = opts.tls ? await freePort() : null;
  const tlsEnv: Record<string, string> =
    httpsPort === null ? { RED_CORAL_TLS: 'off' } : { HTTPS_PORT: String(httpsPort) };
  let child: ChildProcess;
  let output = '';

  const launch = async () => {
    output = '';
    child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: projectRoot,
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        DATA_DIR: dataDir,
        RED_CORAL_ADMIN_PIN: adminPin,
        RED_CORAL_NO_BUILD: '1',
        LOG_LEVEL: 'warn',
        DATABASE_URL: databaseUrl ?? '',
        ...tlsEnv,
        ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const spawned = child;
    liveChildren.add(spawned);
    spawned.once('exit', () => liveChildren.delete(spawned));
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
      try {
        if ((await fetch(`${url}/api/health`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    throw new Error(`server did not answer /api/health within 30 s:\n${output}`);
  };

  await launch();
  const stop = async () => {
    child.kill('SIGTERM');
    await waitForExit(child, 10_000);
  };
  return {
    url,
    port,
    httpsUrl: httpsPort === null ? null : `https://127.0.0.1:${httpsPort}`,
    httpsPort,
    ca: () => readFileSync(join(tlsDir(dataDir), 'ca.pem'), 'utf8'),
    dataDir,
    databaseUrl,
    adminPin,
    epoch: () => epochAt(url),
    login: (pin = adminPin) => loginAt(url, pin),
    stop,
    kill: async () => {
      child.kill('SIGKILL');
      await waitForExit(child, 10_000);
    },
    restart: async () => {
      await stop();
      await launch();
    },
    start: launch,
    output: () => output,
    exitCode: () => child.exitCode,
  };
}

export interface InProcessServer {
  url: string;
  port: number;
  /** `https://127.0.0.1:<port>` when started with `tls`, else null. */
  httpsUrl: string | null;
  /** What HTTPS serves with (the venue CA's certificate in `tls.authority.pem`), or null. */
  tls: TlsMaterial | null;
  kind: StorageKind;
  dataDir: string;
  /** The PostgreSQL database it serves, or null on SQLite. */
  databaseUrl: string | null;
  epoch: string;
  adminPin: string;
  /** The seeded staff with PINs (empty when started with `seed: false`). */
  staff: SeededEmployee[];
  app: FastifyInstance;
  storage: Storage;
  /** The storage as drill mode sees it (the same object). */
  drillHooks: DrillHooks;
  login(pin?: string): Promise<string>;
  /** Reads the server's database directly (`?` placeholders on both storages). */
  sql<T>(text: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

export interface InProcessOptions {
  /** Default sqlite. */
  storage?: StorageKind;
  /** A PostgreSQL database to share with other servers; default a fresh one. */
  databaseUrl?: string;
  dataDir?: string;
  /** Seed the demo restaurant (default true). */
  seed?: boolean;
  adminPin?: string;
  /** App settings; scrypt cost defaults to 1024 here so sign-in is fast in tests. */
  config?: Partial<AppConfig>;
  /** The change feed's safety-net poll (PostgreSQL). */
  pollMs?: number;
  /** HTTPS too, on a free port: `true` is the venue CA in the data dir, or give the settings. */
  tls?: boolean | TlsSettings;
}

/** Pool size of in-process PostgreSQL storages: the server's default (RED_CORAL_DB_POOL_SIZE). */
const DEFAULT_POOL_SIZE = 10;

/** Reads rows straight from a server's database, outside the server. */
async function readRows<T>(
  kind: StorageKind,
  dataDir: string,
  databaseUrl: string | null,
  text: string,
  params: unknown[],
): Promise<T[]> {
  if (kind === 'sqlite') {
    const db = new Database(databasePath(dataDir), { readonly: true });
    try {
      return db.prepare(text).all(...params) as T[];
    } finally {
      db.close();
    }
  }
  let n = 0;
  const client = new pg.Client({ connectionString: databaseUrl! });
  await client.connect();
  try {
    return (
      await client.query(
        text.replace(/\?/g, () => `$${++n}`),
        params,
      )
    ).rows as T[];
  } finally {
    await client.end();
  }
}

/** Builds the app in this process on 127.0.0.1, port 0, on a temp SQLite file or a fresh PostgreSQL database. */
export async function startInProcessServer(opts: InProcessOptions = {}): Promise<InProcessServer> {
  const kind: StorageKind = opts.databaseUrl ? 'postgres' : (opts.storage ?? 'sqlite');
  const dataDir = opts.dataDir ?? tempDataDir();
  const config: AppConfig = { ...DEFAULT_CONFIG, scryptN: 1024, logLevel: 'silent', ...opts.config };
  const adminPin = opts.adminPin ?? '1234';
  const ownDatabase = kind === 'postgres' && !opts.databaseUrl;
  const databaseUrl = kind === 'postgres' ? (opts.databaseUrl ?? (await freshDatabase())) : null;
  const { storage, drillHooks, epoch } = await openStorage({
    databaseUrl,
    dataDir,
    logRetention: config.logRetention,
    databasePoolSize: DEFAULT_POOL_SIZE,
    databasePollMs: opts.pollMs ?? 1000,
  });
  const staff =
    opts.seed !== false
      ? await storage.exclusive('seed', async () =>
          (await storage.isNew())
            ? seedDemo(storage, { adminPin, scryptN: config.scryptN, timeZone: config.venue.timeZone })
            : [],
        )
      : [];
  const settings: TlsSettings =
    opts.tls === true ? { mode: 'venue-ca', names: [] } : opts.tls ? opts.tls : { mode: 'off' };
  const tls = await prepareTls(settings, dataDir);
  const app = await buildApp({ storage, epoch, config, tls, drillHooks });
  const { port, httpsPort } = await listen(app, { host: '127.0.0.1', port: 0, httpsPort: 0 });
  const url = `http://127.0.0.1:${port}`;
  let stopped = false;
  return {
    url,
    port,
    httpsUrl: httpsPort === null ? null : `https://127.0.0.1:${httpsPort}`,
    tls,
    kind,
    dataDir,
    databaseUrl,
    epoch,
    adminPin,
    staff,
    app,
    storage,
    drillHooks,
    login: (pin = adminPin) => loginAt(url, pin),
    sql: (text, params = []) => readRows(kind, dataDir, databaseUrl, text, params),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await app.close();
      await storage.close();
      if (ownDatabase && databaseUrl) await dropDatabase(databaseUrl);
    },
  };
}

/**
 * A bare storage, no app: a temp SQLite file or a fresh PostgreSQL database. Its close()
 * also removes the database (the temp dir goes at exit).
 */
export async function openTestStorage(
  kind: StorageKind,
  options: { logRetention?: number; databaseUrl?: string; pollMs?: number } = {},
): Promise<Storage> {
  const ownDatabase = kind === 'postgres' && !options.databaseUrl;
  const databaseUrl = kind === 'postgres' ? (options.databaseUrl ?? (await freshDatabase())) : null;
  const { storage } = await openStorage({
    databaseUrl,
    dataDir: tempDataDir(),
    logRetention: options.logRetention ?? 10_000,
    databasePoolSize: DEFAULT_POOL_SIZE,
    databasePollMs: options.pollMs ?? 1000,
  });
  const close = storage.close.bind(storage);
  storage.close = async () => {
    await close();
    if (ownDatabase && databaseUrl) await dropDatabase(databaseUrl);
  };
  return storage;
}
