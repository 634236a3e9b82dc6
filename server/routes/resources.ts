/**
 * The ten collections through one generic path: list, get, create, PATCH, delete.
 * Input is checked here before storage opens its transaction; storage then checks
 * existence, If-Match, references and idempotency inside it.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HEADERS, type Snapshot } from '../../src/shared/protocol';
import { pinSchema, RESOURCE_NAMES, RESOURCES, type ResourceName } from '../../src/shared/resources';
import { findPinOwner, hashPin } from '../auth/pin';
import { requireSession, requireWrite } from '../auth/sessions';
import type { AppContext } from '../context';
import { ApiError, fieldError, validationError } from '../errors';
import type { WriteRequest, WriteResult } from '../storage/types';
import {
  fingerprint,
  objectBody,
  parseId,
  parseIdempotencyKey,
  parseIfMatch,
  rejectVersionField,
  validateFields,
  validatePatch,
} from './input';

type IdParams = { Params: { id: string } };

/** Runs async tasks one at a time: PIN uniqueness is checked and written without a race. */
function serialQueue() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}

/** Splits a write-only `pin` off an employee body; other types must not carry one. */
function takePin(resource: ResourceName, body: Record<string, unknown>): string | undefined {
  if (resource !== 'employee' || !Object.hasOwn(body, 'pin')) return undefined;
  const { pin } = body;
  delete body.pin;
  const result = pinSchema.safeParse(pin);
  if (!result.success) throw validationError(result.error, ['pin']);
  return result.data;
}

export function registerResourceRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { storage } = ctx;
  const onePinWriteAtATime = serialQueue();

  /**
   * Writes, handling an employee PIN: unique among employees, hashed before the transaction.
   * PIN writes queue in this process and, through `exclusive`, across instances sharing a
   * database, so two employees cannot get the same PIN at the same moment.
   */
  async function write(req: WriteRequest, pin: string | undefined): Promise<WriteResult> {
    if (pin === undefined || req.action === 'delete') return storage.write(req);
    return onePinWriteAtATime(() =>
      storage.exclusive('pin', async () => {
        // A retry must replay, not trip over the PIN its first attempt already stored.
        const answer = req.idempotency ? await storage.findAnswer(req.actor, req.idempotency) : null;
        if (answer) return { ...answer, change: null };
        const others = (await storage.pinHashes(false)).filter((p) => p.employeeId !== req.id);
        if ((await findPinOwner(pin, others)) !== null)
          throw new ApiError('pin_taken', 'another employee already uses this PIN', { field: 'pin' });
        return storage.write({ ...req, pinHash: await hashPin(pin, ctx.config.scryptN) });
      }),
    );
  }

  /** Common write inputs: actor, Idempotency-Key with its fingerprint, If-Match. */
  function writeBase(
    request: FastifyRequest,
    resource: ResourceName,
    id: string,
    body: unknown,
    pin?: string,
  ) {
    const key = parseIdempotencyKey(request.headers[HEADERS.idempotencyKey]);
    const path = request.url.split('?')[0]!;
    return {
      resource,
      id,
      actor: request.session!.employee.id,
      ifMatch: parseIfMatch(request.headers[HEADERS.ifMatch]),
      idempotency:
        key === undefined
          ? undefined
          : { key, fingerprint: fingerprint(request.method, path, body, pin !== undefined) },
    };
  }

  function send(reply: FastifyReply, result: WriteResult) {
    if (!result.change) reply.header(HEADERS.idempotentReplayed, 'true');
    return reply.code(result.status).send(result.body);
  }

  for (const resource of RESOURCE_NAMES) {
    const { collection } = RESOURCES[resource];
    const signedIn = { onRequest: requireSession(ctx) };
    const mayWrite = { onRequest: requireWrite(ctx, resource) };

    app.get(collection, signedIn, async (): Promise<Snapshot> => {
      const { version, digest, items } = await storage.list(resource);
      return { epoch: ctx.epoch, version, digest, items };
    });

    app.get<IdParams>(`${collection}/:id`, signedIn, async (request, reply) => {
      const id = parseId(request.params.id);
      const item = await storage.get(resource, id);
      if (!item) throw new ApiError('not_found', `no ${resource} with id "${id}"`, { resource, id });
      return reply.header('ETag', `"${item.version}"`).send(item);
    });

    app.post(collection, mayWrite, async (request, reply) => {
      const body = { ...objectBody(request.body) };
      const pin = takePin(resource, body);
      rejectVersionField(body);
      const { id: chosenId, ...rest } = body;
      const id = chosenId === undefined ? randomUUID() : parseId(chosenId);
      const fields = validateFields(resource, rest);
      const base = writeBase(request, resource, id, body, pin);
      return send(reply, await write({ ...base, action: 'create', fields }, pin));
    });

    app.patch<IdParams>(`${collection}/:id`, mayWrite, async (request, reply) => {
      const id = parseId(request.params.id);
      const body = { ...objectBody(request.body) };
      const pin = takePin(resource, body);
      rejectVersionField(body);
      if (Object.hasOwn(body, 'id') && body.id !== id)
        throw fieldError('id', 'must equal the id in the path');
      delete body.id;
      // Validate before fingerprinting: the fingerprint hashes the body recursively, and
      // only a validated body is known to be shallow enough for that.
      validatePatch(resource, body);
      const base = writeBase(request, resource, id, body, pin);
      const merge = (current: Record<string, unknown>) => validateFields(resource, { ...current, ...body });
      return send(reply, await write({ ...base, action: 'update', merge }, pin));
    });

    app.delete<IdParams>(`${collection}/:id`, mayWrite, async (request, reply) => {
      const id = parseId(request.params.id);
      return send(
        reply,
        await storage.write({ ...writeBase(request, resource, id, null), action: 'delete' }),
      );
    });
  }
}
