/**
 * PIN hashing: scrypt with a random 16-byte salt, stored as `scrypt$N$r$p$salt$hash`
 * (base64url). The cost is kept in each hash, so raising N later still verifies old ones.
 * Async scrypt runs on libuv's threadpool, so checking several hashes runs in parallel.
 */
import { randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';

const KEY_LENGTH = 32;
const R = 8;
const P = 1;

function derive(pin: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem must cover 128 * N * r bytes, with headroom.
    scrypt(pin, salt, KEY_LENGTH, { N: n, r, p, maxmem: 256 * n * r }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** A new salted hash of the PIN. */
export async function hashPin(pin: string, n: number): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(pin, salt, n, R, P);
  return ['scrypt', n, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** True when the PIN matches the stored hash; false for anything malformed. */
export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  const key = await derive(pin, salt, n, r, p);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Among the stored hashes, the owner whose PIN this is, or null. Checks all, in parallel. */
export async function findPinOwner(
  pin: string,
  records: { employeeId: string; hash: string }[],
): Promise<string | null> {
  const matches = await Promise.all(records.map((r) => verifyPin(pin, r.hash)));
  const index = matches.indexOf(true);
  return index === -1 ? null : records[index]!.employeeId;
}

/** A random PIN of `digits` digits that is not in `taken`. */
export function randomPin(digits: number, taken: Set<string>): string {
  for (;;) {
    const pin = String(randomInt(0, 10 ** digits)).padStart(digits, '0');
    if (!taken.has(pin)) return pin;
  }
}
