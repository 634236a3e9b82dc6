/**
 * Drill mode's wire types (docs/DRILLS.md): the faults QA can inject into a server started
 * with RED_CORAL_DRILLS=1, the control API's answers, and the `drill` notice a stream gets
 * when a fault touches it. Shared by the server (server/drills), the engine (which logs
 * the notice as a `fault` line) and the drill runner (tests/drills).
 */
import { z } from 'zod';
import { RESOURCE_NAMES, type ResourceName } from './resources';

/** The drill control API's paths (only on a server in drill mode). */
export const DRILL_ROUTES = {
  state: '/api/drills',
  faults: '/api/drills/faults',
  /** One armed fault: `DELETE /api/drills/faults/:id`. */
  fault: '/api/drills/faults/:id',
  cut: '/api/drills/cut',
  rotateEpoch: '/api/drills/rotate-epoch',
  wipe: '/api/drills/wipe',
} as const;

/** Faults that stay armed until used up, expired or cleared. */
export const FAULT_KINDS = ['drop', 'duplicate', 'reorder', 'delay', 'stall_heartbeats', 'too_old'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One-shot actions; they act at once and are not kept. */
export const DRILL_ACTIONS = ['cut', 'rotate_epoch', 'wipe'] as const;
export type DrillAction = (typeof DRILL_ACTIONS)[number];

/**
 * `POST /api/drills/faults`. `resource` narrows sync-event faults and `too_old` to one
 * type; `client` narrows to the streams and requests of one client: a stream id from
 * `GET /api/drills` (`s3`) or text found in the client's User-Agent. Without `count` or
 * `durationMs` a fault stays until cleared.
 */
export const faultRequestSchema = z
  .object({
    kind: z.enum(FAULT_KINDS),
    resource: z.enum(RESOURCE_NAMES).optional(),
    client: z.string().min(1).max(200).optional(),
    /** How many events (or catch-ups, for too_old) the fault affects, then it ends. */
    count: z.number().int().min(1).max(1_000_000).optional(),
    /** How long the fault stays armed. */
    durationMs: z
      .number()
      .int()
      .min(1)
      .max(24 * 60 * 60_000)
      .optional(),
    /** duplicate: how many times each event is sent in all (default 3). */
    copies: z.number().int().min(2).max(20).optional(),
    /** reorder: events held and then sent newest first (default 3). */
    window: z.number().int().min(2).max(100).optional(),
    /** delay: how long each event is held (default 2000 ms). */
    delayMs: z.number().int().min(1).max(60_000).optional(),
  })
  .strict();
export type FaultRequest = z.infer<typeof faultRequestSchema>;

/** `POST /api/drills/cut`: end every stream, or only one client's. */
export const cutRequestSchema = z.object({ client: z.string().min(1).max(200).optional() }).strict();
export type CutRequest = z.infer<typeof cutRequestSchema>;

/** An armed fault, as the control API shows it. */
export interface Fault {
  id: string;
  kind: FaultKind;
  resource: ResourceName | null;
  client: string | null;
  /** Events (or catch-ups) it still affects; null: no limit. */
  remaining: number | null;
  /** ISO time it ends; null: no limit. */
  until: string | null;
  copies: number | null;
  window: number | null;
  delayMs: number | null;
  /** Events or requests it has acted on so far. */
  hits: number;
  createdAt: string;
}

/** One open event stream, as the control API shows it. */
export interface DrillStream {
  id: string;
  employee: string | null;
  userAgent: string;
  remoteAddress: string;
  openedAt: string;
}

/** `GET /api/drills`. */
export interface DrillState {
  epoch: string;
  /** The server's heartbeat interval: drills allow a few of them for convergence. */
  heartbeatMs: number;
  /** This server process's memory (process.memoryUsage()), for the soak drill. */
  memory: { rssBytes: number; heapUsedBytes: number };
  faults: Fault[];
  streams: DrillStream[];
}

/** `POST /api/drills/cut`. */
export interface CutResponse {
  cut: number;
}

/** `POST /api/drills/rotate-epoch`. */
export interface RotateEpochResponse {
  previous: string;
  epoch: string;
}

/** `POST /api/drills/wipe`: the reseeded staff and their PINs, shown once. */
export interface WipeResponse {
  epoch: string;
  staff: { id: string; name: string; role: string; pin: string }[];
}

/** `event: drill` on an event stream: what was done to it, for the sync log. */
export interface DrillNotice {
  epoch: string;
  fault: FaultKind | DrillAction;
  /** For a person: "Drill: dropping the next 5 product sync events". */
  message: string;
}
