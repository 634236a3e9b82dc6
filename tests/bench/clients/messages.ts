/** IPC messages between the benchmark driver and its client processes. */

export interface OpenStreams {
  type: 'open';
  url: string;
  token: string;
  count: number;
  /** `sse`: hold /api/sync/events open; `poll`: GET /api/sync/changes every `pollMs`. */
  mode: 'sse' | 'poll';
  pollMs?: number;
  /** Product version to poll from. */
  since?: number;
}

export type StreamRequest = OpenStreams | { type: 'reset' } | { type: 'report' } | { type: 'exit' };

export interface StreamReport {
  type: 'report';
  /** Latency histogram (lib/stats.ts Histogram, sparse). */
  sparse: [number, number][];
  max: number;
  /** Marked changes received, summed over clients. */
  received: number;
  /** Connections that ended or failed while open. */
  lost: number;
  /** Client process memory, for the curious reader. */
  rssKiB: number;
}

export type StreamReply =
  | { type: 'opened'; connected: number; failed: number; ms: number }
  | { type: 'reset' }
  | StreamReport;

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  token?: string;
  /** `get`: GET `path`; `patch-products`: PATCH a rotating bench product with a marked description. */
  kind: 'get' | 'patch-products';
  path?: string;
  /** How many bench products to rotate through (`patch-products`). */
  products?: number;
}

export type LoadRequest = { type: 'run'; options: LoadOptions } | { type: 'exit' };

export interface LoadResult {
  type: 'result';
  /** Completed 2xx requests per second over the run. */
  rps: number;
  ok: number;
  non2xx: number;
  errors: number;
  durationS: number;
  latencyP50: number;
  latencyP99: number;
}

export type LoadReply = LoadResult;

/** The PouchDB peer's server process (couch-server.ts). */
export type CouchServerRequest =
  | { type: 'listen' }
  /** Cut every connection, stay unreachable for `downMs`, listen again on the same port. */
  | { type: 'restart'; downMs: number }
  | { type: 'exit' };

export type CouchServerReply =
  | { type: 'listening'; port: number }
  | { type: 'restarted'; port: number; droppedConnections: number };
