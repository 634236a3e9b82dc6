/**
 * Test servers on 127.0.0.1 with a real port and a real SQLite file in a temp dir.
 * `startServer` spawns the real process (`node --import tsx server/main.ts`), for tests of
 * restarts, epochs and signals; `startInProcessServer` builds the app in this process,
 * which is much faster for everything else.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app';
import { type AppConfig, DEFAULT_CONFIG } from '../../server/config';
import { type SeededEmployee, seedDemo } from '../../server/seed';
import { SqliteStorage } from '../../server/storage/sqlite';
import type { Health, LoginResponse } from '../../src/shared/protocol';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface TestServer {
  url: string;
  port: number;
  dataDir: string;
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
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
}

export interface StartServerOptions {
  dataDir?: string;
  /** Extra environment; overrides the defaults below. */
  env?: Record<string, string>;
  adminPin?: string;
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
  const adminPin = opts.adminPin ?? opts.env?.RED_CORAL_ADMIN_PIN ?? '1234';
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
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
    dataDir,
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
    output: () => output,
  };
}

export interface InProcessServer {
  url: string;
  port: number;
  dataDir: string;
  epoch: string;
  adminPin: string;
  /** The seeded staff with PINs (empty when started with `seed: false`). */
  staff: SeededEmployee[];
  app: FastifyInstance;
  storage: SqliteStorage;
  login(pin?: string): Promise<string>;
  stop(): Promise<void>;
}

export interface InProcessOptions {
  dataDir?: string;
  /** Seed the demo restaurant (default true). */
  seed?: boolean;
  adminPin?: string;
  /** App settings; scrypt cost defaults to 1024 here so sign-in is fast in tests. */
  config?: Partial<AppConfig>;
}

/** Builds the app in this process on 127.0.0.1, port 0, with a temp SQLite file. */
export async function startInProcessServer(opts: InProcessOptions = {}): Promise<InProcessServer> {
  const dataDir = opts.dataDir ?? tempDataDir();
  const config: AppConfig = { ...DEFAULT_CONFIG, scryptN: 1024, logLevel: 'silent', ...opts.config };
  const adminPin = opts.adminPin ?? '1234';
  const storage = SqliteStorage.open(dataDir, { logRetention: config.logRetention });
  const staff =
    opts.seed !== false && (await storage.isNew())
      ? await seedDemo(storage, { adminPin, scryptN: config.scryptN })
      : [];
  const epoch = randomUUID();
  const app = await buildApp({ storage, epoch, config });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    dataDir,
    epoch,
    adminPin,
    staff,
    app,
    storage,
    login: (pin = adminPin) => loginAt(url, pin),
    stop: async () => {
      await app.close();
      await storage.close();
    },
  };
}
