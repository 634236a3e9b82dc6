/**
 * The per-type digest: one implementation for server and client.
 *
 * Algorithm (version 1), exactly:
 * 1. Canonical content of an item = `canonicalJson(fields)` where `fields` is the item
 *    without `id` and `version` (versions differ between epochs; data does not).
 *    canonicalJson is JSON.stringify with object keys sorted by UTF-16 code unit order at
 *    every depth, no whitespace, `undefined` members dropped.
 * 2. Item hash = cyrb64(id + "\u0000" + canonical content): the two 32-bit lanes of
 *    cyrb53 (seed 0) over the string's UTF-16 code units, kept whole as a 64-bit number
 *    `h2 << 32 | h1` instead of being folded to 53 bits.
 * 3. Type digest = sum of all item hashes modulo 2^64, written as 16 lowercase hex digits.
 *    A sum is order-independent and can be kept incrementally: add the new hash on
 *    create, subtract the old and add the new on update, subtract on delete.
 *    An empty type has digest "0000000000000000".
 */

const MASK64 = (1n << 64n) - 1n;

/** The digest of a type with no items. */
export const EMPTY_DIGEST = '0000000000000000';

/** JSON with object keys sorted at every depth, so equal data gives equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** cyrb53's two lanes kept as a full 64-bit unsigned number. */
export function cyrb64(text: string): bigint {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (BigInt(h2 >>> 0) << 32n) | BigInt(h1 >>> 0);
}

/** The hash one item contributes to its type's digest. */
export function itemHash(item: { id: string; version?: number; [field: string]: unknown }): bigint {
  const { id, version: _version, ...fields } = item;
  return cyrb64(`${id}\u0000${canonicalJson(fields)}`);
}

/** Parses a 16-hex-digit digest into a number. */
export function parseDigest(hex: string): bigint {
  return BigInt(`0x${hex}`) & MASK64;
}

/** Formats a 64-bit number as a digest. */
export function formatDigest(value: bigint): string {
  return (value & MASK64).toString(16).padStart(16, '0');
}

/** The digest after one change: `before` minus the old item's hash plus the new one's. */
export function updateDigest(
  before: string,
  oldItem: Parameters<typeof itemHash>[0] | null,
  newItem: Parameters<typeof itemHash>[0] | null,
): string {
  let sum = parseDigest(before);
  if (oldItem) sum -= itemHash(oldItem);
  if (newItem) sum += itemHash(newItem);
  return formatDigest(sum);
}

/** The digest of a whole set of items, computed from scratch. */
export function digestOf(items: Iterable<Parameters<typeof itemHash>[0]>): string {
  let sum = 0n;
  for (const item of items) sum += itemHash(item);
  return formatDigest(sum);
}
