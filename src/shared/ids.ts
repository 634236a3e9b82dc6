/**
 * Ids the client chooses: new items' ids (the contract lets it) and Idempotency-Keys.
 * crypto.randomUUID exists only in secure contexts; a venue server on plain http over
 * the LAN is not one, so fall back to getRandomValues (a v4 UUID), which always exists.
 */
/** The part of Web Crypto used here; every runtime of ours has it (browsers, workers, Node). */
interface RandomSource {
  randomUUID?: () => string;
  getRandomValues(array: Uint8Array): Uint8Array;
}

export function newId(): string {
  // Typed here, not by a DOM or Node lib: src/shared runs in both and assumes neither.
  const { crypto } = globalThis as unknown as { crypto: RandomSource };
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
