/** Liveness: answers as soon as the server listens, with the epoch of this process. */
import type { FastifyInstance } from 'fastify';
import { type Health, ROUTES } from '../../src/shared/protocol';
import type { AppContext } from '../context';

export function registerHealthRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(ROUTES.health, async (): Promise<Health> => ({ ok: true, epoch: ctx.epoch }));
}
