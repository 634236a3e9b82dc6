/**
 * The Fastify app: routes, auth hooks, the SSE hub, static files, and one error handler
 * that turns every failure (ours or Fastify's) into the contract's error shape.
 */
import type { Duplex } from 'node:stream';
import cookie from '@fastify/cookie';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { ApiErrorBody, ErrorCode } from '../src/shared/protocol';
import { RESOURCE_NAMES, RESOURCES } from '../src/shared/resources';
import { type LockoutStore, MemoryLockoutStore } from './auth/lockout';
import { type AppConfig, DEFAULT_CONFIG } from './config';
import type { AppContext } from './context';
import { DrillMode } from './drills/mode';
import { registerDrillRoutes } from './drills/routes';
import { ApiError } from './errors';
import { registerAuthRoutes } from './routes/auth';
import { registerHealthRoutes } from './routes/health';
import { registerResourceRoutes } from './routes/resources';
import { registerSyncRoutes } from './routes/sync';
import { registerVenueRoutes } from './routes/venue';
import { SseHub } from './sse/hub';
import { hasBuiltApp, registerStatic } from './static';
import type { Storage } from './storage/types';

export interface BuildAppOptions {
  storage: Storage;
  /** The epoch to serve: new per process on SQLite, the deployment's on PostgreSQL (storage/open.ts). */
  epoch: string;
  config?: Partial<AppConfig>;
  /**
   * Where wrong PINs are counted. Default: the storage's own store when it has one (shared
   * by every instance on PostgreSQL), else this process's memory (SQLite).
   */
  lockoutStore?: LockoutStore;
}

/** How often expired sessions, old idempotency answers and spent lockout records are dropped. */
const CLEANUP_MS = 60 * 60_000;

/** Fastify's own error codes, as contract codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_header',
  FST_ERR_BAD_URL: 'invalid_query',
  FST_ERR_MAX_PARAM_LENGTH: 'validation_failed',
};

const FASTIFY_MESSAGES: Partial<Record<ErrorCode, string>> = {
  invalid_json: 'the body is not valid JSON',
  invalid_query: 'the path or query is not valid URL encoding',
  validation_failed: 'a path parameter is too long',
  body_too_large: 'the body is too large',
  unsupported_media_type: 'send JSON with Content-Type: application/json',
};

/** Any thrown value as an ApiError; unknown failures become a 500 that leaks nothing. */
function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const fe = err as Partial<FastifyError>;
  const code = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (code) return new ApiError(code, FASTIFY_MESSAGES[code] ?? fe.message ?? code);
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500)
    return new ApiError(
      fe.statusCode === 404 ? 'not_found' : 'validation_failed',
      fe.message ?? 'bad request',
    );
  return new ApiError('internal_error', 'internal error');
}

/**
 * Requests Node's HTTP parser refuses (oversized headers, malformed framing) never become
 * Fastify requests: answer them on the socket, in the contract's shape, and close it.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const error = new ApiError(
    'invalid_header',
    tooLarge ? 'the request headers are too large' : 'the request is not valid HTTP',
  );
  const body = JSON.stringify(errorBody(error));
  socket.end(
    `HTTP/1.1 ${error.status} Bad Request\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function errorBody(error: ApiError): ApiErrorBody {
  return { error: { code: error.code, message: error.message, details: error.details ?? null } };
}

/** 404 for a path under /api: a known collection with an unsupported method, or an unknown one. */
function notFound(request: FastifyRequest): ApiError {
  const path = request.url.split('?')[0]!;
  const known = RESOURCE_NAMES.some(
    (r) => path === RESOURCES[r].collection || path.startsWith(`${RESOURCES[r].collection}/`),
  );
  if (known || !path.startsWith('/api/'))
    return new ApiError('not_found', `no route ${request.method} ${path}`);
  return new ApiError('unknown_resource', `no resource at ${path}`, { path });
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const config: AppConfig = { ...DEFAULT_CONFIG, ...options.config };
  const { storage, epoch } = options;
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'pin', '*.pin'],
        censor: '[redacted]',
      },
    },
    bodyLimit: config.bodyLimit,
    routerOptions: { maxParamLength: 500 },
    return503OnClosing: false,
    // The router's own refusals (bad percent-encoding, over-long ids) never reach
    // setErrorHandler; answer them in the contract's shape too.
    frameworkErrors: (err, _request, reply) => {
      const error = toApiError(err);
      void (reply as FastifyReply).code(error.status).send(errorBody(error));
    },
    clientErrorHandler: answerClientError,
  });

  const status = await storage.status();
  const hub = new SseHub(
    epoch,
    { ...status.versions },
    {
      heartbeatMs: config.heartbeatMs,
      maxBufferBytes: config.sseMaxBufferBytes,
    },
  );
  const ctx: AppContext = {
    storage,
    get epoch() {
      return hub.epoch;
    },
    config,
    hub,
    lockout:
      options.lockoutStore ??
      storage.lockoutStore?.(config.lockout) ??
      new MemoryLockoutStore(config.lockout),
    drills: null,
  };
  const drills = config.drills ? new DrillMode(ctx) : null;
  ctx.drills = drills;
  const unsubscribe = storage.onCommit((changes) => hub.publish(changes));

  let closing = false;
  const cleanup = setInterval(() => {
    void storage
      .cleanup(Date.now(), config.idempotencyTtlMs)
      .catch((err) => app.log.error({ err }, 'cleanup failed'));
    void ctx.lockout.sweep().catch((err) => app.log.error({ err }, 'lockout sweep failed'));
  }, CLEANUP_MS);
  cleanup.unref();

  app.setErrorHandler((err, request, reply) => {
    const error = toApiError(err);
    if (error.status >= 500) request.log.error({ err }, 'request failed');
    return reply.code(error.status).headers(error.headers).send(errorBody(error));
  });
  app.setNotFoundHandler((request, reply) => {
    const error = notFound(request);
    return reply.code(error.status).send(errorBody(error));
  });

  // Only JSON is accepted; without the text parser, text/plain and forms get 415.
  app.removeContentTypeParser('text/plain');
  await app.register(cookie);
  app.decorateRequest('session', null);
  app.decorateRequest('sessionToken', null);
  app.addHook('onRequest', async () => {
    if (closing) throw new ApiError('unavailable', 'the server is shutting down; retry shortly');
    // A wipe rewrites everything at once; nothing may read or write half of it.
    if (drills?.wiping) throw new ApiError('unavailable', 'drill wipe in progress; retry shortly');
  });
  // Streams never end by themselves: end them first so close() can wait for the rest.
  app.addHook('preClose', async () => {
    closing = true;
    hub.close();
  });
  app.addHook('onClose', async () => {
    clearInterval(cleanup);
    unsubscribe();
    drills?.close();
  });

  registerHealthRoutes(app, ctx);
  registerSyncRoutes(app, ctx);
  registerAuthRoutes(app, ctx);
  registerResourceRoutes(app, ctx);
  registerVenueRoutes(app, ctx);
  // Without drill mode these routes do not exist: /api/drills is an unknown path (404).
  if (drills) registerDrillRoutes(app, ctx, drills);
  if (hasBuiltApp(config.distDir)) await registerStatic(app, config.distDir);
  return app;
}
