/**
 * A benchmark server: the real server process on 127.0.0.1 (tests/helpers/server.ts) on a
 * pre-seeded database, with its pid found for memory readings and a signed-in client.
 */
import { type StartServerOptions, startServer, type TestServer } from '../../helpers/server';
import { ApiClient } from './http';
import { memoryOf, type ProcMemory, pidListeningOn } from './procfs';
import { ADMIN_PIN, removeDataDir, seededDataDir } from './seed';

export interface BenchServer {
  server: TestServer;
  /** Signed in as the manager. */
  api: ApiClient;
  token: string;
  /** Pid of the process holding the listening socket (changes on restart). */
  pid(): number;
  memory(): ProcMemory;
  restart(): Promise<void>;
  /** Stops the server and removes its data. */
  close(): Promise<void>;
}

/**
 * Starts the real server on a copy of the demo + `products` bench products. `tls: true`
 * serves HTTPS too: `server.httpsUrl`, trusted with `fetchTrusting(server.ca())`
 * (tests/helpers/tls.ts).
 */
export async function startBenchServer(
  products: number,
  env: StartServerOptions['env'] = {},
  options: { tls?: boolean } = {},
): Promise<BenchServer> {
  const dataDir = await seededDataDir(products);
  const server = await startServer({
    dataDir,
    adminPin: ADMIN_PIN,
    env: { LOG_LEVEL: 'warn', ...env },
    tls: options.tls,
  });
  let pid: number | null = null;
  const findPid = () => {
    pid = pidListeningOn(server.port);
    if (pid === null) throw new Error(`no process listens on port ${server.port}`);
    return pid;
  };
  try {
    findPid();
    const token = await server.login();
    const api = new ApiClient(server.url, token);
    return {
      server,
      api,
      token,
      pid: () => pid ?? findPid(),
      memory: () => memoryOf(pid ?? findPid()),
      async restart() {
        api.close();
        await server.restart();
        findPid();
      },
      async close() {
        api.close();
        await server.stop();
        removeDataDir(dataDir);
      },
    };
  } catch (err) {
    await server.stop();
    removeDataDir(dataDir);
    throw err;
  }
}
