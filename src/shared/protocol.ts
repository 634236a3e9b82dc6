/**
 * Everything that goes over the wire between the server and its clients: paths, query
 * names, headers, status, events, snapshots, errors and SSE event names. Both sides
 * import these; nothing redeclares a wire type or spells a path by hand. The contract is
 * ../../../shared/CONTRACT.md; the collections' paths are in resources.ts, drill mode's in
 * drills.ts, the service worker's messages in workerMessages.ts.
 *
 * There is no protocol version: the server serves the app that speaks its protocol (the
 * service worker's update prompt brings it), and every addition so far is an optional
 * field an older app ignores (docs/SYNC.md, "Protocol changes").
 */
import type { Item, Permission, ResourceName } from './resources';

/** Every API path starts with this; nothing under it is cached or served as the app. */
export const API_PREFIX = '/api/';

/** The API's paths besides the ten collections (`RESOURCES[type].collection`). */
export const ROUTES = {
  health: '/api/health',
  syncStatus: '/api/sync/status',
  syncChanges: '/api/sync/changes',
  syncEvents: '/api/sync/events',
  login: '/api/auth/login',
  logout: '/api/auth/logout',
  me: '/api/auth/me',
} as const;

/** Query parameters: `changes?resource=T&since=N[&epoch=E]`, `events?lastEventId=<epoch>/<seq>`. */
export const QUERY = {
  resource: 'resource',
  since: 'since',
  epoch: 'epoch',
  /** For a new EventSource, which cannot set the Last-Event-ID header itself. */
  lastEventId: 'lastEventId',
} as const;

/** A per-type table: all ten types are always present. */
export type PerResource<T> = Record<ResourceName, T>;

/** `GET /api/health`. */
export interface Health {
  ok: true;
  epoch: string;
}

/** `GET /api/sync/status`. */
export interface SyncStatus {
  epoch: string;
  versions: PerResource<number>;
  digests: PerResource<string>;
  counts: PerResource<number>;
}

export type SyncAction = 'created' | 'updated' | 'deleted';

/** One committed change: the data of `event: sync`, and a row of `/api/sync/changes`. */
export interface SyncEvent<R extends ResourceName = ResourceName> {
  epoch: string;
  resource: R;
  action: SyncAction;
  id: string;
  version: number;
  /** The item after the change; null for a delete. */
  data: Item<R> | null;
}

/** `GET <collection>`: the whole type, consistent at `version`. */
export interface Snapshot<R extends ResourceName = ResourceName> {
  epoch: string;
  version: number;
  digest: string;
  items: Item<R>[];
}

/** `GET /api/sync/changes?resource=T&since=N`. */
export interface ChangesResponse<R extends ResourceName = ResourceName> {
  epoch: string;
  resource: R;
  /** The type's current version; the last change listed has this version. */
  version: number;
  changes: SyncEvent<R>[];
}

/** `DELETE <collection>/:id`. */
export interface DeleteResponse {
  id: string;
  version: number;
}

/** The employee as sign-in returns it: never a PIN or its hash. */
export type PublicEmployee = Item<'employee'>;

/** `POST /api/auth/login`. */
export interface LoginResponse {
  token: string;
  employee: PublicEmployee;
  permissions: Permission[];
  /** When the session ends unless used again (ISO 8601). */
  expiresAt: string;
}

/** SSE event names of `GET /api/sync/events`. */
export const SSE_EVENTS = {
  hello: 'hello',
  sync: 'sync',
  heartbeat: 'heartbeat',
  reset: 'reset',
  /** Drill mode only (docs/DRILLS.md): a fault was injected into this stream on purpose. */
  drill: 'drill',
} as const;

/** `event: hello`, sent first on every stream. */
export interface HelloEvent {
  epoch: string;
  versions: PerResource<number>;
  digests: PerResource<string>;
  /**
   * The server's heartbeat interval. Optional (an addition to the contract's hello): a
   * client that knows it treats a stream silent for a few intervals as dead, instead of
   * assuming the contract's 15 s.
   */
  heartbeatMs?: number;
}

/** `event: heartbeat`, at least every 15 s. */
export interface HeartbeatEvent {
  epoch: string;
  versions: PerResource<number>;
}

/** Why a resume was refused. */
export type ResetReason = 'too_old' | 'epoch_changed' | 'server_reset';

/** `event: reset`: the missed history is not available; re-verify every type. */
export interface ResetEvent {
  epoch: string;
  reason: ResetReason;
}

/** The SSE `id` of a sync event: the epoch and the change's global sequence number. */
export function formatEventId(epoch: string, seq: number): string {
  return `${epoch}/${seq}`;
}

/** Reads an SSE `id`; null when it is not one of ours. */
export function parseEventId(value: string): { epoch: string; seq: number } | null {
  const m = /^([0-9a-f-]{36})\/(\d{1,15})$/.exec(value);
  return m ? { epoch: m[1]!, seq: Number(m[2]) } : null;
}

/** Every error code the API answers with, and its HTTP status. */
export const ERROR_STATUS = {
  invalid_json: 400,
  validation_failed: 400,
  invalid_reference: 400,
  invalid_query: 400,
  invalid_header: 400,
  not_signed_in: 401,
  wrong_pin: 401,
  forbidden: 403,
  not_found: 404,
  unknown_resource: 404,
  already_exists: 409,
  referenced: 409,
  epoch_mismatch: 409,
  version_ahead: 409,
  drill_unsupported: 409,
  pin_taken: 409,
  idempotency_key_reused: 409,
  too_old: 410,
  request_timeout: 408,
  precondition_failed: 412,
  body_too_large: 413,
  unsupported_media_type: 415,
  /** The `Host` names none of this server's names (DNS rebinding defence, contract section 9). */
  misdirected_request: 421,
  too_many_attempts: 429,
  internal_error: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The body of every error answer. */
export interface ApiErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/** `details` of `referenced` (409 on delete): who still points at the item. */
export interface ReferencedBy {
  resource: ResourceName;
  id: string;
  field: string;
}

/** Headers of the protocol (HTTP header names are case-insensitive; these are lower case). */
export const HEADERS = {
  idempotencyKey: 'idempotency-key',
  ifMatch: 'if-match',
  lastEventId: 'last-event-id',
  /** Response: `true` when an Idempotency-Key retry got the first answer again. */
  idempotentReplayed: 'idempotent-replayed',
} as const;

/** The page for whoever sets up a tablet (contract section 7); no session needed. */
export const SETUP_PATH = '/setup';

/** `GET /api/https`: where this server's secure origin is, for a page opened over plain HTTP. */
export const HTTPS_INFO_PATH = '/api/https';

/** The answer of `GET /api/https` (no session needed). */
export interface HttpsInfo {
  /** The HTTPS port, or null when the server serves plain HTTP only (`RED_CORAL_TLS=off`). */
  port: number | null;
  /** The HTTPS addresses a tablet may use (the certificate's names and addresses), for people. */
  urls: string[];
}

/** Name of the HttpOnly session cookie. */
export const SESSION_COOKIE = 'rc_session';
