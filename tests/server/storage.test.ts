/**
 * Each storage under the routes: the digest kept incrementally always equals the digest
 * computed from scratch, versions rise by one per change, and a failed batch leaves
 * nothing behind.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ApiError } from '../../server/errors';
import type { Storage, WriteRequest } from '../../server/storage/types';
import { digestOf, EMPTY_DIGEST } from '../../src/shared/digest';
import { openTestStorage, STORAGE_KINDS, type StorageKind } from '../helpers/server';

type Op = { kind: 'create' | 'update' | 'delete'; slot: number; name: string; color: string };

const op = fc.record({
  kind: fc.constantFrom('create', 'update', 'delete') as fc.Arbitrary<Op['kind']>,
  slot: fc.integer({ min: 0, max: 5 }),
  name: fc.string({ minLength: 1, maxLength: 12 }),
  color: fc.constantFrom('#000000', '#ff0000', '#00ff00'),
});

describe.each(STORAGE_KINDS)('%s storage', (storageKind: StorageKind) => {
  const open = (retention = 10_000): Promise<Storage> =>
    openTestStorage(storageKind, { logRetention: retention });

  test('after any sequence of writes, the kept digest equals the digest of the items', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const storage = await open();
        let committed = 0;
        for (const o of ops) {
          const id = `tag-${o.slot}`;
          const base = { resource: 'tag' as const, id, actor: 'test' };
          const request: WriteRequest =
            o.kind === 'create'
              ? { ...base, action: 'create', fields: { name: o.name, color: o.color } }
              : o.kind === 'update'
                ? { ...base, action: 'update', merge: (cur) => ({ ...cur, name: o.name }) }
                : { ...base, action: 'delete' };
          try {
            const result = await storage.write(request);
            committed++;
            expect(result.change?.version).toBe(committed);
          } catch (err) {
            expect(err).toBeInstanceOf(ApiError);
          }
        }
        const { version, digest, items } = await storage.list('tag');
        expect(version).toBe(committed);
        expect(digest).toBe(digestOf(items));
        expect((await storage.status()).counts.tag).toBe(items.length);
        await storage.close();
      }),
      { numRuns: 40 },
    );
  });

  test('equal data gives equal digests, whatever the history', async () => {
    const a = await open();
    const b = await open();
    await a.write({
      resource: 'zone',
      id: 'z1',
      actor: 't',
      action: 'create',
      fields: { name: 'Bar', sortOrder: 0 },
    });
    await b.write({
      resource: 'zone',
      id: 'z1',
      actor: 't',
      action: 'create',
      fields: { name: 'Old', sortOrder: 3 },
    });
    await b.write({
      resource: 'zone',
      id: 'z1',
      actor: 't',
      action: 'update',
      merge: () => ({ sortOrder: 0, name: 'Bar' }),
    });
    const [sa, sb] = [await a.status(), await b.status()];
    expect(sa.digests.zone).toBe(sb.digests.zone);
    expect(sa.versions.zone).not.toBe(sb.versions.zone);
    expect(sa.digests.zone).not.toBe(EMPTY_DIGEST);
    await Promise.all([a.close(), b.close()]);
  });

  test('a batch with one failing write applies none of it and tells no listener', async () => {
    const storage = await open();
    const heard: unknown[] = [];
    storage.onCommit((changes) => heard.push(...changes));
    await expect(
      storage.writeBatch([
        { resource: 'zone', id: 'z1', actor: 't', action: 'create', fields: { name: 'A', sortOrder: 0 } },
        {
          resource: 'dining_table',
          id: 't1',
          actor: 't',
          action: 'create',
          fields: { name: 'T1', zoneId: 'missing', seats: 2, shape: 'round', x: 0, y: 0 },
        },
      ]),
    ).rejects.toMatchObject({ code: 'invalid_reference' });
    const status = await storage.status();
    expect(status.versions.zone).toBe(0);
    expect(status.counts.zone).toBe(0);
    expect(heard).toEqual([]);
    expect(await storage.isNew()).toBe(true);
    await storage.close();
  });

  test('the change log keeps the newest N per type and remembers what it dropped', async () => {
    const storage = await open(3);
    for (let i = 1; i <= 5; i++)
      await storage.write({
        resource: 'zone',
        id: `z${i}`,
        actor: 't',
        action: 'create',
        fields: { name: `Z${i}`, sortOrder: 0 },
      });
    const page = await storage.changes('zone', 2);
    expect(page).toMatchObject({ version: 5, prunedThrough: 2 });
    expect(page.changes.map((c) => c.version)).toEqual([3, 4, 5]);
    const start = await storage.streamStart(1);
    expect(start).toMatchObject({ lastSeq: 5, prunedSeq: 2, changes: null });
    expect((await storage.streamStart(2)).changes?.map((c) => c.seq)).toEqual([3, 4, 5]);
    await storage.close();
  });
});
