/**
 * The drill control API, registered only in drill mode (docs/SERVER.md#drill-mode):
 * `GET /api/drills`, `POST|DELETE /api/drills/faults[/:id]`, `POST /api/drills/cut`,
 * `POST /api/drills/rotate-epoch`, `POST /api/drills/wipe`. Every route needs a manager's
 * session: faults disturb every tablet in the venue, so a waiter must not arm them.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  type CutResponse,
  cutRequestSchema,
  DRILL_ROUTES,
  type DrillState,
  type Fault,
  faultRequestSchema,
  type RotateEpochResponse,
  type WipeResponse,
} from '../../src/shared/drills';
import { PERMISSIONS } from '../../src/shared/resources';
import { requireSession } from '../auth/sessions';
import type { AppContext } from '../context';
import { ApiError, fieldError, validationError } from '../errors';
import { objectBody } from '../routes/input';
import { misplacedOption } from './faults';
import type { DrillMode } from './mode';

/** The body of the actions that take no options: `{}`. */
const emptySchema = z.object({}).strict();

/** A JSON object body checked against `schema`, or 400 in the contract's shape. */
function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(objectBody(body));
  if (!result.success) throw validationError(result.error);
  return result.data;
}

/** An onRequest hook: 401 without a session, 403 unless its role has every permission. */
function requireManager(ctx: AppContext) {
  const signedIn = requireSession(ctx);
  return async (request: FastifyRequest): Promise<void> => {
    await signedIn(request);
    const missing = PERMISSIONS.filter((p) => !request.session!.permissions.includes(p));
    if (missing.length > 0)
      throw new ApiError('forbidden', "drills need a manager's session (a role with every permission)", {
        missing,
      });
  };
}

export function registerDrillRoutes(app: FastifyInstance, ctx: AppContext, drills: DrillMode): void {
  const manager = { onRequest: requireManager(ctx) };

  app.get(DRILL_ROUTES.state, manager, async (): Promise<DrillState> => drills.state());

  app.post(DRILL_ROUTES.faults, manager, async (request, reply) => {
    const fault = parseBody(faultRequestSchema, request.body);
    const misplaced = misplacedOption(fault);
    if (misplaced) throw fieldError(misplaced, `a ${fault.kind} fault takes no ${misplaced}`);
    const armed: Fault = drills.faults.arm(fault);
    request.log.warn({ fault: armed }, 'drill: fault armed');
    return reply.code(201).send(armed);
  });

  app.delete(DRILL_ROUTES.faults, manager, async (request) => {
    const cleared = drills.faults.clearAll();
    request.log.warn({ cleared }, 'drill: faults cleared');
    return { cleared };
  });

  app.delete<{ Params: { id: string } }>(DRILL_ROUTES.fault, manager, async (request) => {
    const { id } = request.params;
    const fault = drills.faults.clear(id);
    if (!fault) throw new ApiError('not_found', `no armed fault "${id}"`, { id });
    request.log.warn({ fault }, 'drill: fault cleared');
    return fault;
  });

  app.post(DRILL_ROUTES.cut, manager, async (request): Promise<CutResponse> => {
    const { client } = parseBody(cutRequestSchema, request.body);
    const answer = drills.cut(client);
    request.log.warn({ client, ...answer }, 'drill: streams cut');
    return answer;
  });

  app.post(DRILL_ROUTES.rotateEpoch, manager, async (request): Promise<RotateEpochResponse> => {
    parseBody(emptySchema, request.body);
    const answer = drills.rotateEpoch();
    request.log.warn(answer, 'drill: epoch rotated');
    return answer;
  });

  app.post(DRILL_ROUTES.wipe, manager, async (request): Promise<WipeResponse> => {
    parseBody(emptySchema, request.body);
    const answer = await drills.wipe();
    // The PINs are in the answer only; the log gets the epoch.
    request.log.warn({ epoch: answer.epoch }, 'drill: database wiped and reseeded');
    return answer;
  });
}
