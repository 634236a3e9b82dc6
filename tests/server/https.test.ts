/**
 * The HTTPS port, trusting the venue CA and nothing else, the way a set-up tablet does:
 * every endpoint answers as on the HTTP port (one app, one hub, one storage), the event
 * stream keeps hello, heartbeats and Last-Event-ID resume over TLS, the session cookie is
 * `Secure` only there, and /setup hands out the CA (never its key).
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type DeleteResponse,
  type HeartbeatEvent,
  HTTPS_INFO_PATH,
  type HttpsInfo,
  type Snapshot,
  type SyncEvent,
  type SyncStatus,
} from '../../src/shared/protocol';
import { type Item, RESOURCE_NAMES, RESOURCES } from '../../src/shared/resources';
import { type InProcessServer, startInProcessServer } from '../helpers/server';
import { fetchTrusting } from '../helpers/tls';
import {
  call,
  client,
  errorOf,
  openStream,
  type Refs,
  type SseEvent,
  sampleBody,
  samplePatch,
  status,
} from './support';

let server: InProcessServer;
let secure: typeof fetch;
let httpsUrl: string;
let token: string;

beforeAll(async () => {
  server = await startInProcessServer({ tls: true, config: { heartbeatMs: 150, logRetention: 20 } });
  httpsUrl = server.httpsUrl!;
  secure = fetchTrusting(server.tls!.authority!.pem);
  token = (
    await call<{ token: string }>(httpsUrl, 'POST', '/api/auth/login', {
      body: { pin: server.adminPin },
      fetch: secure,
    })
  ).body.token;
});
afterAll(() => server.stop());

describe('trust', () => {
  test('the HTTPS port is real TLS: without the venue CA the certificate is refused', async () => {
    await expect(fetch(`${httpsUrl}/api/health`)).rejects.toThrow();
    await expect(fetchTrusting(server.tls!.authority!.pem)(`${httpsUrl}/api/health`)).resolves.toHaveProperty(
      'status',
      200,
    );
  });

  test('the certificate covers localhost and loopback, not a name it was not issued for', async () => {
    const ca = server.tls!.authority!.pem;
    const localhost = fetchTrusting(ca, { servername: 'localhost' });
    expect((await localhost(`${httpsUrl}/api/health`)).status).toBe(200);
    const other = fetchTrusting(ca, { servername: 'other.example' });
    await expect(other(`${httpsUrl}/api/health`)).rejects.toThrow(/other\.example/);
  });
});

describe('every endpoint over HTTPS', () => {
  test('health and status answer as on the HTTP port', async () => {
    const health = await call(httpsUrl, 'GET', '/api/health', { fetch: secure });
    expect(health.body).toEqual({ ok: true, epoch: server.epoch });
    const [overTls, plain] = await Promise.all([
      call<SyncStatus>(httpsUrl, 'GET', '/api/sync/status', { fetch: secure }),
      status(server.url),
    ]);
    expect(overTls.body).toEqual(plain);
  });

  test('sign-in sets a Secure, HttpOnly, SameSite=Lax cookie that signs the next request in; logout clears it', async () => {
    const login = await call(httpsUrl, 'POST', '/api/auth/login', {
      body: { pin: server.adminPin },
      fetch: secure,
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(
      /^rc_session=[A-Za-z0-9_-]+; Max-Age=43200; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
    const session = cookie.split(';')[0]!;
    const me = await call(httpsUrl, 'GET', '/api/auth/me', { headers: { cookie: session }, fetch: secure });
    expect(me.status).toBe(200);
    const logout = await call(httpsUrl, 'POST', '/api/auth/logout', {
      headers: { cookie: session },
      fetch: secure,
    });
    expect(logout.status).toBe(200);
    expect(logout.headers.get('set-cookie')).toMatch(/^rc_session=; Max-Age=0; .*Secure; SameSite=Lax/);
  });

  test('over plain HTTP the same cookie has no Secure (the browser would drop it) and keeps SameSite=Lax', async () => {
    const login = await call(server.url, 'POST', '/api/auth/login', { body: { pin: server.adminPin } });
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^rc_session=[A-Za-z0-9_-]+; Max-Age=43200; Path=\/; HttpOnly; SameSite=Lax$/);
  });

  test('every type: list, create, read, update, delete, and its changes', async () => {
    const api = client(httpsUrl, token, secure);
    const first = async (resource: 'category' | 'zone' | 'role') =>
      ((await api.get<Snapshot>(RESOURCES[resource].collection)).body.items[0] as Item).id;
    const refs: Refs = {
      categoryId: await first('category'),
      zoneId: await first('zone'),
      roleId: await first('role'),
    };
    for (const resource of RESOURCE_NAMES) {
      const { collection } = RESOURCES[resource];
      const list = await api.get<Snapshot>(collection);
      expect(list.status, resource).toBe(200);
      const created = await api.post<Item>(collection, sampleBody(resource, refs, 7));
      expect(created.status, `${resource} ${created.text}`).toBe(201);
      const read = await api.get<Item>(`${collection}/${created.body.id}`);
      expect(read.body).toEqual(created.body);
      const updated = await api.patch<Item>(`${collection}/${created.body.id}`, samplePatch(resource), {
        headers: { 'if-match': String(created.body.version) },
      });
      expect(updated.status, resource).toBe(200);
      const deleted = await api.del<DeleteResponse>(`${collection}/${created.body.id}`);
      expect(deleted.body).toEqual({ id: created.body.id, version: updated.body.version + 1 });
      const changes = await api.get<{ changes: SyncEvent[] }>(
        `/api/sync/changes?resource=${resource}&since=${list.body.version}`,
      );
      expect(changes.body.changes.map((c) => c.action)).toEqual(['created', 'updated', 'deleted']);
    }
  });

  test('errors keep the contract shape over TLS', async () => {
    const api = client(httpsUrl, token, secure);
    const missing = await api.get('/api/products/nope');
    expect(errorOf(missing).code).toBe('not_found');
    const anonymous = await call(httpsUrl, 'GET', '/api/products', { fetch: secure });
    expect(anonymous.status).toBe(401);
    expect(errorOf(anonymous).code).toBe('not_signed_in');
  });
});

describe('the event stream over TLS', () => {
  test('hello, a change made over plain HTTP, and heartbeats: one hub serves both ports', async () => {
    const stream = await openStream(httpsUrl, token, { fetch: secure });
    await stream.waitFor((e) => e.event === 'hello', 1, 15_000);
    const zone = (
      await client(server.url, await server.login()).post<Item>('/api/zones', { name: 'Over HTTP' })
    ).body;
    const [sync] = await stream.waitFor((e) => e.event === 'sync', 1, 15_000);
    expect(sync!.data).toMatchObject({
      resource: 'zone',
      action: 'created',
      id: zone.id,
      version: zone.version,
    });
    // A heartbeat may have gone out before the change; the next ones carry its version.
    const isBeatAfter = (e: SseEvent) =>
      e.event === 'heartbeat' && (e.data as HeartbeatEvent).versions.zone === zone.version;
    await stream.waitFor(isBeatAfter, 1, 15_000);
    expect(stream.events.indexOf(stream.events.find(isBeatAfter)!)).toBeGreaterThan(
      stream.events.indexOf(sync!),
    );
    stream.close();
  });

  test('a resume with Last-Event-ID gets every change it missed, in order, then live ones', async () => {
    const api = client(httpsUrl, token, secure);
    const first = await openStream(httpsUrl, token, { fetch: secure });
    await first.waitFor((e) => e.event === 'hello', 1, 15_000);
    await api.post('/api/zones', { name: 'Seen' });
    const [seen] = await first.waitFor((e) => e.event === 'sync', 1, 15_000);
    first.close();
    const missed = [];
    for (const name of ['Missed 1', 'Missed 2', 'Missed 3'])
      missed.push((await api.post<Item>('/api/zones', { name })).body.id);
    const resumed = await openStream(httpsUrl, token, { fetch: secure, lastEventId: seen!.id });
    const replay = await resumed.waitFor((e) => e.event === 'sync', 3, 15_000);
    expect(replay.map((e) => (e.data as SyncEvent).id)).toEqual(missed);
    expect(resumed.events.filter((e) => e.event === 'reset')).toEqual([]);
    const live = (await api.post<Item>('/api/zones', { name: 'Live' })).body;
    const events = await resumed.waitFor((e) => e.event === 'sync', 4, 15_000);
    expect((events[3]!.data as SyncEvent).id).toBe(live.id);
    resumed.close();
  });
});

describe('/setup and /api/https', () => {
  test('/api/https names the HTTPS port and its addresses, the one asked by first', async () => {
    const port = Number(new URL(httpsUrl).port);
    const info = await call<HttpsInfo>(server.url, 'GET', HTTPS_INFO_PATH);
    expect(info.body.port).toBe(port);
    expect(info.body.urls[0]).toBe(`https://127.0.0.1:${port}/`);
    expect(info.body.urls.slice(1)).toEqual(
      server.tls!.forTablets.map((h) => `https://${h.includes(':') ? `[${h}]` : h}:${port}/`),
    );
  });

  test('the page shows every address with a QR code, the fingerprint and the downloads, on both ports', async () => {
    for (const [base, fetchWith] of [
      [server.url, fetch],
      [httpsUrl, secure],
    ] as const) {
      const page = await call(base, 'GET', '/setup', { fetch: fetchWith });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.text).toContain(server.tls!.authority!.fingerprint);
      for (const href of ['/setup/ca.pem', '/setup/ca.crt', '/setup/red-coral.mobileconfig'])
        expect(page.text).toContain(`href="${href}"`);
      const info = (await call<HttpsInfo>(base, 'GET', HTTPS_INFO_PATH, { fetch: fetchWith })).body;
      for (const url of info.urls) expect(page.text).toContain(`aria-label="QR code of ${url}"`);
      expect(page.text.match(/<svg/g)?.length).toBe(info.urls.length);
      for (const device of ['iPad and iPhone', 'Android', 'Windows', 'Chromium kiosk'])
        expect(page.text).toContain(`<h3>${device}</h3>`);
      expect(page.text).toContain('--app=');
      expect(page.text).not.toContain('PRIVATE KEY');
    }
  });

  test('ca.pem and ca.crt are the venue CA, PEM and DER; the profile carries it as a root payload', async () => {
    const { authority } = server.tls!;
    const pem = await call(httpsUrl, 'GET', '/setup/ca.pem', { fetch: secure });
    expect(pem.text).toBe(authority!.pem);
    const der = await secure(`${httpsUrl}/setup/ca.crt`);
    expect(der.headers.get('content-type')).toBe('application/x-x509-ca-cert');
    const bytes = Buffer.from(await der.arrayBuffer());
    expect(bytes.equals(authority!.der)).toBe(true);
    expect(new X509Certificate(bytes).fingerprint256).toBe(authority!.fingerprint);
    const profile = await call(server.url, 'GET', '/setup/red-coral.mobileconfig');
    expect(profile.headers.get('content-type')).toBe('application/x-apple-aspen-config');
    expect(profile.text).toContain('<string>com.apple.security.root</string>');
    const payload = /<data>([\s\S]*?)<\/data>/.exec(profile.text)![1]!.replace(/\s/g, '');
    expect(Buffer.from(payload, 'base64').equals(authority!.der)).toBe(true);
    // The same CA gives the same profile identifiers, so installing it again replaces it.
    expect((await call(server.url, 'GET', '/setup/red-coral.mobileconfig')).text).toBe(profile.text);
  });
});
