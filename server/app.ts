/**
 * The Fastify app: routes, auth hooks, the SSE hub, static files, and one error handler
 * that turns every failure (ours or Fastify's) into the contract's error shape. One app
 * serves both ports (listeners.ts): the HTTP port, and HTTPS when TLS material is given.
 */
import cookie from '@fastify/cookie';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { answerClientError, errorBody, notFound, toApiError } from './answers';
import { MemoryLockoutStore } from './auth/lockout';
import { type AppConfig, DEFAULT_CONFIG } from './config';
import { ConnectionGuard } from './connections';
import type { AppContext } from './context';
import { DrillMode } from './drills/mode';
import { registerDrillRoutes } from './drills/routes';
import { ApiError } from './errors';
import { AcceptedHosts, requireKnownHost } from './hosts';
import { closeHttps, createListeners, type Listeners, portOf } from './listeners';
import { createLogger, RequestLog } from './log';
import { registerAuthRoutes } from './routes/auth';
import { registerHealthRoutes } from './routes/health';
import { registerResourceRoutes } from './routes/resources';
import { registerSetupRoutes } from './routes/setup';
import { registerSyncRoutes } from './routes/sync';
import { registerVenueRoutes } from './routes/venue';
import { registerSecurityHeaders } from './security';
import { SseHub } from './sse/hub';
import { hasBuiltApp, registerStatic } from './static';
import type { DrillHooks, LockoutStore, Storage } from './storage/types';
import type { TlsMaterial } from './tls/prepare';

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
  /** Serve HTTPS with this too (tls/prepare.ts); null or absent: the HTTP port only. */
  tls?: TlsMaterial | null;
  /** The process's logger (log.ts); default JSON lines at `config.logLevel`. */
  logger?: Logger;
  /** What drill mode may do to the storage (openStorage gives them); needed with `config.drills`. */
  drillHooks?: DrillHooks;
}

/** How often expired sessions, old idempotency answers and spent lockout records are dropped. */
const CLEANUP_MS = 60 * 60_000;

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const config: AppConfig = { ...DEFAULT_CONFIG, ...options.config };
  const { storage, epoch } = options;
  const tls = options.tls ?? null;
  const logger = options.logger ?? createLogger(config.logLevel);
  const connections = new ConnectionGuard(
    {
      maxConnections: config.maxConnections,
      requestTimeoutMs: config.requestTimeoutMs,
    },
    (message) => logger.warn(message),
  );
  let listeners: Listeners | null = null;
  const app = Fastify({
    // pino's Logger is what Fastify logs with; its own type is the narrower base interface.
    loggerInstance: logger as FastifyBaseLogger,
    // One line per request, at debug only: at info the terminal stays readable.
    logController: new RequestLog(),
    bodyLimit: config.bodyLimit,
    routerOptions: { maxParamLength: 500 },
    return503OnClosing: false,
    serverFactory: (handler) => {
      listeners = createListeners(
        handler,
        {
          headersTimeoutMs: config.headersTimeoutMs,
          requestTimeoutMs: config.requestTimeoutMs,
          checkIntervalMs: config.deadlineCheckMs,
        },
        tls,
        connections,
      );
      listeners.https?.on('clientError', answerClientError);
      return listeners.http;
    },
    // The router's own refusals (bad percent-encoding, over-long ids) never reach
    // setErrorHandler; answer them in the contract's shape too.
    frameworkErrors: (err, _request, reply) => {
      const error = toApiError(err);
      void (reply as FastifyReply).code(error.status).send(errorBody(error));
    },
    clientErrorHandler: answerClientError,
  });
  const secure = (listeners as Listeners | null)?.https ?? null;
  app.decorate('httpsServer', secure);

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
    tls,
    ports: () => ({ httpPort: portOf(app.server), httpsPort: portOf(secure) }),
    connections,
  };
  const hooks = options.drillHooks;
  if (config.drills && !hooks) throw new Error("drill mode needs the storage's drillHooks (openStorage)");
  const drills = config.drills && hooks ? new DrillMode({ storage, hooks, hub, config }) : null;
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

  // First of all hooks: a request for some other host name learns nothing, not even that we are shutting down.
  app.addHook(
    'onRequest',
    requireKnownHost(new AcceptedHosts([...config.allowedHosts, ...(tls?.names ?? [])])),
  );
  await registerSecurityHeaders(app, ctx.ports);
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
  let httpsClosed: Promise<void> = Promise.resolve();
  app.addHook('preClose', async () => {
    closing = true;
    hub.close();
    httpsClosed = closeHttps(secure);
  });
  app.addHook('onClose', async () => {
    clearInterval(cleanup);
    unsubscribe();
    drills?.close();
    await httpsClosed;
  });

  registerHealthRoutes(app, ctx);
  registerSyncRoutes(app, ctx);
  registerAuthRoutes(app, ctx);
  registerResourceRoutes(app, ctx);
  registerSetupRoutes(app, ctx);
  registerVenueRoutes(app, ctx);
  // Without drill mode these routes do not exist: /api/drills is an unknown path (404).
  if (drills) registerDrillRoutes(app, ctx, drills);
  if (hasBuiltApp(config.distDir)) await registerStatic(app, config.distDir);
  return app;
}
