import { describe, expect, it } from 'vitest';
import { digestOf } from '../shared/digest';
import type { Item } from '../shared/resources';
import { digestOfItems, storedCopyOf } from './draft';

const zones = [
  { id: 'z1', version: 1, name: 'Terrace' },
  { id: 'z2', version: 2, name: 'Bar' },
] as unknown as Item<'zone'>[];

describe('a copy read back from IndexedDB', () => {
  it('takes its digest from sync_meta without hashing the items', () => {
    const copy = storedCopyOf(zones, { lastVersion: 2, epoch: 'e1', digest: 'ffffffffffffffff' });
    expect(copy).toMatchObject({ lastVersion: 2, epoch: 'e1', digest: 'ffffffffffffffff' });
    expect([...copy.items.keys()]).toEqual(['z1', 'z2']);
  });

  it('is checked by recomputing the digest from its items: a damaged copy hashes differently', () => {
    const digest = digestOf(zones);
    expect(digestOfItems(storedCopyOf(zones, { lastVersion: 2, epoch: 'e1', digest }))).toBe(digest);
    const damaged = storedCopyOf(zones.slice(1), { lastVersion: 2, epoch: 'e1', digest });
    expect(digestOfItems(damaged)).not.toBe(digest);
  });
});
