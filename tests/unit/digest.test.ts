import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  cyrb64,
  digestOf,
  EMPTY_DIGEST,
  itemHash,
  updateDigest,
} from '../../src/shared/digest';

const a = { id: 'a', version: 3, name: 'Soup', priceCents: 450, tagIds: ['t1'] };
const b = { id: 'b', version: 9, name: 'Bread', priceCents: 300, tagIds: [] };

describe('digest', () => {
  it('canonical JSON sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: null }], c: undefined } })).toBe(
      '{"a":{"d":[2,{"y":null,"z":1}]},"b":1}',
    );
  });

  it('cyrb64 gives the documented 64-bit value for a known input', () => {
    // Pinned so server and client can never drift: any change here breaks every device's digest.
    expect(cyrb64('').toString(16)).toBe('488bdcb81aee8d83');
    expect(cyrb64('red coral').toString(16)).toBe('efb3786dba904566');
    expect(digestOf([{ id: 'a', version: 1, name: 'x' }])).toBe('e6322e78c17484ea');
  });

  it('the empty type has the zero digest', () => {
    expect(digestOf([])).toBe(EMPTY_DIGEST);
  });

  it('is independent of item order and of versions', () => {
    expect(digestOf([a, b])).toBe(digestOf([b, { ...a, version: 77 }]));
  });

  it('differs after any change of content or id', () => {
    const base = digestOf([a, b]);
    expect(digestOf([{ ...a, priceCents: 451 }, b])).not.toBe(base);
    expect(digestOf([{ ...a, id: 'c' }, b])).not.toBe(base);
    expect(digestOf([a])).not.toBe(base);
  });

  it('incremental updates equal a digest computed from scratch', () => {
    let d = EMPTY_DIGEST;
    d = updateDigest(d, null, a);
    d = updateDigest(d, null, b);
    const a2 = { ...a, name: 'Soup of the day' };
    d = updateDigest(d, a, a2);
    expect(d).toBe(digestOf([a2, b]));
    d = updateDigest(d, b, null);
    expect(d).toBe(digestOf([a2]));
    expect(itemHash(a2).toString(16).length).toBeLessThanOrEqual(16);
  });
});
