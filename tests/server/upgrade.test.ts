/**
 * Stored items from before a field existed are upgraded through the normal write path:
 * versions rise, the change log and digests follow, a live device hears the change as
 * events and ends equal to the server, and `npm start` does it once for a database the
 * previous code wrote. On both storages.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventSource } from 'eventsource';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, test } from 'vitest';
import { seedDemo } from '../../server/seed';
import { openStorage } from '../../server/storage/open';
import type { CreateRequest, Storage } from '../../server/storage/types';
import { upgradeStoredItems } from '../../server/upgrade';
import { digestOf, updateDigest } from '../../src/shared/digest';
import type { ChangesResponse, Snapshot, SyncStatus } from '../../src/shared/protocol';
import { type Item, RESOURCE_NAMES } from '../../src/shared/resources';
import { createSyncEngine } from '../../src/sync/engine';
import type { SyncEngine } from '../../src/sync/types';
import { freshDatabase } from '../helpers/postgres';
import { STORAGE_KINDS, startInProcessServer, startServer, type TestServer } from '../helpers/server';
import { until } from '../helpers/wait';
import { client, status } from './support';

/** Price rules as the code before `exclusive`, `validFrom`/`validUntil` and `scope.tagIds` stored them. */
function oldRules(zoneId: string): CreateRequest[] {
  const old = (id: string, fields: Record<string, unknown>): CreateRequest => ({
    action: 'create',
    resource: 'price_rule',
    id,
    actor: 'old-code',
    fields: {
      kind: 'discount',
      amountType: 'percent',
      amount: 10,
      scope: { productIds: [], categoryIds: [], zoneIds: [zoneId] },
      weekdays: [],
      startTime: null,
      endTime: null,
      priority: 0,
      active: true,
      ...fields,
    },
  });
  return [
    old('r-old-late', { name: 'Late bar', startTime: '22:00', endTime: '02:00', weekdays: [5, 6] }),
    // Accepted before as "24 hours"; refused since, and never in force now.
    old('r-old-empty', { name: 'Always (old)', startTime: '10:00', endTime: '10:00' }),
  ];
}

const NEW_DEFAULTS = { exclusive: false, validFrom: null, validUntil: null };

const engines: SyncEngine[] = [];
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function firstZone(storage: Storage): Promise<string> {
  return (await storage.list('zone')).items[0]!.id;
}

describe.each(STORAGE_KINDS)('on %s', (kind) => {
  test('a live device holding the old items hears the upgrade as events and ends equal to the server', async () => {
    const server = await startInProcessServer({ storage: kind });
    try {
      await server.storage.writeBatch(oldRules(await firstZone(server.storage)));
      const token = await server.login();
      const engine = createSyncEngine({
        baseUrl: server.url,
        getToken: () => token,
        EventSource,
        dbName: `red-coral-upgrade-${crypto.randomUUID()}`,
        indexedDB,
        IDBKeyRange,
        locks: null,
        BroadcastChannel: null,
      });
      engines.push(engine);
      await engine.start();
      const rules = engine.stores.price_rule;
      await until(() => expect(rules.getState().byId['r-old-late']).toBeDefined());
      expect(rules.getState().byId['r-old-late']).not.toHaveProperty('exclusive');
      const before = await status(server.url);
      const logged = engine.log.getState().entries.length;

      const report = await upgradeStoredItems(server.storage);
      expect(report.upgraded).toEqual({ price_rule: 2 });
      expect(report.invalid).toEqual([
        {
          resource: 'price_rule',
          id: 'r-old-empty',
          problem:
            'endTime: the time window is empty: endTime equals startTime (leave both empty for all day)',
        },
      ]);

      const after = await status(server.url);
      expect(after.versions).toEqual({ ...before.versions, price_rule: before.versions.price_rule + 2 });
      for (const r of RESOURCE_NAMES)
        if (r !== 'price_rule') expect(after.digests[r]).toBe(before.digests[r]);
      await until(() => {
        expect(rules.getState().lastVersion).toBe(after.versions.price_rule);
        expect(rules.getState().digest).toBe(after.digests.price_rule);
      });
      const served = (await client(server.url, token).get<Snapshot<'price_rule'>>('/api/price-rules')).body;
      expect(Object.values(rules.getState().byId).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
        served.items,
      );
      expect(served.items.find((r) => r.id === 'r-old-late')).toMatchObject({
        ...NEW_DEFAULTS,
        scope: { productIds: [], categoryIds: [], tagIds: [], zoneIds: [expect.any(String)] },
        startTime: '22:00',
        weekdays: [5, 6],
      });
      // Applied from the stream, one event at a time: no reload, no catch-up request needed.
      const decisions = engine.log
        .getState()
        .entries.slice(logged)
        .filter((e) => e.resource === 'price_rule')
        .map((e) => e.kind);
      expect(decisions.filter((k) => k !== 'applied')).toEqual([]);

      // Idempotent: a second run finds nothing to do and raises nothing.
      expect((await upgradeStoredItems(server.storage)).upgraded).toEqual({});
      expect((await status(server.url)).versions).toEqual(after.versions);
    } finally {
      await server.stop();
    }
  });

  test('npm start upgrades a database the previous code wrote, once, through the change log', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'red-coral-upgrade-'));
    const databaseUrl = kind === 'postgres' ? await freshDatabase() : null;
    const opened = await openStorage({
      databaseUrl,
      dataDir,
      logRetention: 10_000,
      databasePoolSize: 4,
      databasePollMs: 1000,
    });
    await seedDemo(opened.storage, { adminPin: '1234', scryptN: 1024 });
    await opened.storage.writeBatch(oldRules(await firstZone(opened.storage)));
    const old = await opened.storage.list('price_rule');
    const oldStatus = await opened.storage.status();
    await opened.storage.close();

    const server = await startServer({ dataDir, databaseUrl: databaseUrl ?? undefined, adminPin: '1234' });
    servers.push(server);
    expect(server.output()).toContain(
      'upgraded 2 stored price_rule item(s) to the current schema (new fields at their defaults)\n',
    );
    expect(server.output()).toContain(
      'stored price_rule "r-old-empty" fails today\'s rules (endTime: the time window is empty: endTime equals startTime (leave both empty for all day)); edit it in Manage\n',
    );
    const api = client(server.url, await server.login());
    const now: SyncStatus = await status(server.url);
    expect(now.versions).toEqual({ ...oldStatus.versions, price_rule: old.version + 2 });

    // The change log holds exactly the two rewrites; a device at the old version catches up with them.
    const changes = (
      await api.get<ChangesResponse<'price_rule'>>(
        `/api/sync/changes?resource=price_rule&since=${old.version}`,
      )
    ).body.changes;
    expect(changes.map((c) => [c.action, c.id, c.version])).toEqual([
      // In id order, as storage lists them.
      ['updated', 'r-old-empty', old.version + 1],
      ['updated', 'r-old-late', old.version + 2],
    ]);
    let digest = old.digest;
    const held = new Map(old.items.map((i) => [i.id, i as Item]));
    for (const c of changes) {
      digest = updateDigest(digest, held.get(c.id) ?? null, c.data);
      held.set(c.id, c.data!);
    }
    expect(digest).toBe(now.digests.price_rule);
    const served = (await api.get<Snapshot<'price_rule'>>('/api/price-rules')).body;
    expect(digestOf(served.items)).toBe(now.digests.price_rule);
    for (const id of ['r-old-late', 'r-old-empty'])
      expect(served.items.find((r) => r.id === id)).toMatchObject({
        ...NEW_DEFAULTS,
        version: expect.any(Number),
      });
    // Rules the seed wrote with today's schema were left alone.
    for (const rule of old.items.filter((r) => !r.id.startsWith('r-old-')))
      expect(served.items.find((r) => r.id === rule.id)).toEqual(rule);

    await server.restart();
    expect(server.output()).not.toContain('upgraded');
    expect((await status(server.url)).versions).toEqual(now.versions);
  });
});
