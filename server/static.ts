/**
 * Serves the built PWA from dist/. The HTML shell and the service worker are sent with
 * `Cache-Control: no-cache` so a new deploy is picked up; hashed assets may be cached.
 * Source maps are never served: the build emits none (vite.config.ts), and a dist/ built
 * by an older version that still holds some does not hand the sources out either.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { API_PREFIX } from '../src/shared/protocol';

/** Files a browser must revalidate on every load. */
const NO_CACHE = /(^|\/)(index\.html|sw\.js|manifest\.webmanifest|registerSW\.js)$/;

/** True when `distDir` holds a built app. */
export function hasBuiltApp(distDir: string | null): distDir is string {
  return distDir !== null && existsSync(join(distDir, 'index.html'));
}

export async function registerStatic(app: FastifyInstance, distDir: string): Promise<void> {
  await app.register(fastifyStatic, {
    root: distDir,
    index: ['index.html'],
    // The API owns its own caching: static files never shadow /api.
    allowedPath: (pathName) => !pathName.startsWith(API_PREFIX) && !pathName.endsWith('.map'),
    setHeaders: (reply, filePath) => {
      if (NO_CACHE.test(filePath.replaceAll('\\', '/'))) reply.header('Cache-Control', 'no-cache');
    },
  });
}

/** Builds the app with Vite when dist/ has no index.html (first `npm start`). */
export async function buildAppIfMissing(projectRoot: string, distDir: string): Promise<void> {
  if (hasBuiltApp(distDir)) return;
  process.stdout.write('dist/ has no index.html; building the app with Vite...\n');
  const vite = await import('vite');
  await vite.build({ root: projectRoot });
}
