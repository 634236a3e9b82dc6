/**
 * Health, sync status, the change log and the event stream: everything a client needs
 * to learn what changed, whether it missed something, and whether the epoch moved on.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type ChangesResponse,
  HEADERS,
  type HelloEvent,
  parseEventId,
  QUERY,
  type ResetEvent,
  type ResetReason,
  ROUTES,
  SSE_EVENTS,
  type SyncStatus,
} from '../../src/shared/protocol';
import { isResourceName } from '../../src/shared/resources';
import { requireSession } from '../auth/sessions';
import type { AppContext } from '../context';
import { ApiError } from '../errors';
import { sseMessage, syncEvent, syncMessage } from '../sse/hub';
import { SSE_HEAD, takeSocket } from '../sse/socket';
import { queryParam } from './input';

type ChangesQuery = { Querystring: Record<string, unknown> };

/** Where a reconnecting stream left off: Last-Event-ID header, else `lastEventId` query. */
function resumePoint(request: FastifyRequest<ChangesQuery>) {
  const header = request.headers[HEADERS.lastEventId];
  const fromQuery = queryParam(request.query, QUERY.lastEventId);
  const raw = typeof header === 'string' && header !== '' ? header : fromQuery;
  if (raw === undefined || raw === '') return null;
  const parsed = parseEventId(raw);
  if (!parsed) {
    const code = raw === header ? 'invalid_header' : 'invalid_query';
    throw new ApiError(code, 'Last-Event-ID must be an event id from this server ("<epoch>/<seq>")');
  }
  return parsed;
}

export function registerSyncRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { storage, hub, drills } = ctx;
  const signedIn = { onRequest: requireSession(ctx) };

  app.get(ROUTES.syncStatus, async (): Promise<SyncStatus> => {
    const states = await storage.status();
    return { epoch: ctx.epoch, ...states };
  });

  app.get<ChangesQuery>(ROUTES.syncChanges, signedIn, async (request): Promise<ChangesResponse> => {
    const resource = queryParam(request.query, QUERY.resource);
    if (resource === undefined)
      throw new ApiError('invalid_query', `${QUERY.resource} is required`, { param: QUERY.resource });
    if (!isResourceName(resource))
      throw new ApiError('unknown_resource', `no resource type "${resource}"`, { resource });
    const sinceText = queryParam(request.query, QUERY.since);
    if (sinceText === undefined || !/^\d{1,15}$/.test(sinceText))
      throw new ApiError('invalid_query', `${QUERY.since} must be a non-negative integer`, {
        param: QUERY.since,
      });
    const since = Number(sinceText);
    const clientEpoch = queryParam(request.query, QUERY.epoch);
    const epoch = ctx.epoch;
    if (clientEpoch !== undefined && clientEpoch !== epoch)
      throw new ApiError('epoch_mismatch', 'versions from another epoch are not comparable; re-verify', {
        epoch,
      });

    const fault = drills?.faults.tooOldForChanges(resource, request.headers['user-agent'] ?? '');
    if (fault)
      throw new ApiError('too_old', `Drill: fault ${fault.id} answers this catch-up with too_old`, {
        drill: true,
        fault: fault.id,
      });

    const page = await storage.changes(resource, since);
    if (since > page.version)
      throw new ApiError('version_ahead', `${resource} is only at version ${page.version}`, {
        version: page.version,
      });
    if (since < page.prunedThrough)
      throw new ApiError(
        'too_old',
        `changes of ${resource} up to version ${page.prunedThrough} are no longer kept`,
        {
          prunedThrough: page.prunedThrough,
          version: page.version,
        },
      );
    return { epoch, resource, version: page.version, changes: page.changes.map((c) => syncEvent(epoch, c)) };
  });

  app.get<ChangesQuery>(
    ROUTES.syncEvents,
    { ...signedIn, exposeHeadRoute: false },
    async (request, reply: FastifyReply) => {
      const resume = resumePoint(request);
      // A stream that started mid-wipe would say hello with half of the new data.
      if (drills?.wiping) throw new ApiError('unavailable', 'drill wipe in progress; retry shortly');
      // Streams count toward the connection cap but may not fill it: room stays for ordinary requests.
      if (ctx.connections.streamsFull())
        throw new ApiError('unavailable', 'too many open event streams; retry shortly', null, {
          'Retry-After': '5',
        });
      const client = drills ? drills.label(request) : null;
      reply.hijack();
      // From here on only the socket is kept: see sse/socket.ts.
      const socket = takeSocket(request.raw);
      ctx.connections.markStream(socket);
      socket.setNoDelay(true);
      const stream = hub.add(socket, client);
      socket.write(SSE_HEAD);
      hub.write(stream, 'retry: 1000\n\n');
      try {
        const epoch = ctx.epoch;
        const sameEpoch = resume !== null && resume.epoch === epoch;
        // A drill can refuse the replay as if that history were no longer kept.
        const refused = sameEpoch && drills?.faults.tooOldForResume(stream) != null;
        const start = await storage.streamStart(sameEpoch && !refused ? resume.seq : null);
        const hello: HelloEvent = {
          epoch,
          versions: start.versions,
          digests: start.digests,
          heartbeatMs: ctx.config.heartbeatMs,
        };
        let prelude = sseMessage(SSE_EVENTS.hello, hello);
        let reason: ResetReason | null = null;
        if (resume && !sameEpoch) reason = 'epoch_changed';
        else if (refused) reason = 'too_old';
        else if (resume && start.changes === null)
          reason = resume.seq > start.lastSeq ? 'server_reset' : 'too_old';
        if (reason) prelude += sseMessage(SSE_EVENTS.reset, { epoch, reason } satisfies ResetEvent);
        for (const change of start.changes ?? []) prelude += syncMessage(epoch, change);
        hub.goLive(stream, start.lastSeq, prelude);
      } catch (err) {
        request.log.error({ err }, 'event stream failed to start');
        socket.destroy();
      }
    },
  );
}
