/** HTTP load from another process (clients/load.ts, autocannon). */
import type { LoadOptions, LoadReply, LoadRequest, LoadResult } from '../clients/messages';
import { ClientProcess } from './children';

/** Runs one autocannon load in a fresh client process and returns its result. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const client = new ClientProcess<LoadRequest, LoadReply>('load.ts');
  try {
    return await client.request({ type: 'run', options }, 'result', (options.durationS + 60) * 1000);
  } finally {
    await client.close();
  }
}

/** Requests per second of GET /api/health: the framework's ceiling on this machine. */
export async function healthCeiling(
  url: string,
  connections: number,
  durationS: number,
): Promise<LoadResult> {
  return runLoad({ url, connections, durationS, kind: 'get', path: '/api/health' });
}
