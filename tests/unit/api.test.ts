import { describe, expect, it } from 'vitest';
import { createApi } from '../../src/sync/api';
import { SyncError } from '../../src/sync/errors';

function answering(status: number, body: string, seen: Request[] = []): typeof fetch {
  return async (input, init) => {
    seen.push(new Request(input, init));
    return new Response(body, { status, headers: { 'content-type': 'application/json' } });
  };
}

describe('api client', () => {
  it('counts the bytes of each answer body as sent (UTF-8)', async () => {
    const body = JSON.stringify({ ok: true, epoch: 'café' });
    const api = createApi({ baseUrl: 'http://x', fetch: answering(200, body) });
    const { bytes } = await api.health();
    expect(bytes).toBe(new TextEncoder().encode(body).byteLength);
    expect(bytes).toBe(body.length + 1);
  });

  it('turns an error answer into a SyncError with the code, status, message and details', async () => {
    const body = JSON.stringify({
      error: {
        code: 'referenced',
        message: 'still used',
        details: [{ resource: 'product', id: 'p1', field: 'categoryId' }],
      },
    });
    const api = createApi({ baseUrl: 'http://x', fetch: answering(409, body) });
    const error = await api.remove('category', 'c1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncError);
    expect((error as SyncError).info).toEqual({
      code: 'referenced',
      status: 409,
      message: 'still used',
      details: [{ resource: 'product', id: 'p1', field: 'categoryId' }],
    });
  });

  it('reports an unreachable server as network_error with status 0', async () => {
    const api = createApi({
      baseUrl: 'http://x',
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    const error = (await api.status().catch((e: unknown) => e)) as SyncError;
    expect(error.code).toBe('network_error');
    expect(error.status).toBe(0);
  });

  it('sends the bearer token, an Idempotency-Key and If-Match on writes', async () => {
    const seen: Request[] = [];
    const api = createApi({
      baseUrl: 'http://x/',
      fetch: answering(200, '{"id":"p 1","version":3}', seen),
      getToken: () => 'tok',
    });
    await api.update('dining_table', 'p 1', { seats: 4 }, { ifMatch: 2, idempotencyKey: 'k-1' });
    const request = seen[0]!;
    expect(request.method).toBe('PATCH');
    expect(request.url).toBe('http://x/api/dining-tables/p%201');
    expect(request.headers.get('authorization')).toBe('Bearer tok');
    expect(request.headers.get('idempotency-key')).toBe('k-1');
    expect(request.headers.get('if-match')).toBe('2');
    expect(await request.json()).toEqual({ seats: 4 });
  });
});
