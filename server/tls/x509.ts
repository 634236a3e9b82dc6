/**
 * @peculiar/x509 set up for Node: the Reflect metadata polyfill its dependency injection
 * (tsyringe) needs at import time, and Node's WebCrypto as its crypto provider. Keys are
 * ECDSA P-256, signatures ECDSA with SHA-256, everywhere.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);

export { x509 };

/** Web Crypto's key types, as Node declares them (the server's tsconfig has no DOM). */
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** ECDSA P-256 keys and ECDSA-with-SHA-256 signatures (issue #12: "ECDSA P-256"). */
export const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A fresh P-256 key pair; extractable so the private key can be written to its file. */
export async function newKeyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** A private key as PKCS #8 PEM (`-----BEGIN PRIVATE KEY-----`), what Node's TLS reads. */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return `${x509.PemConverter.encode(der, 'PRIVATE KEY')}\n`;
}

/** The signing key of a PKCS #8 DER buffer (from `crypto.createPrivateKey(...).export`). */
export async function importSigningKey(pkcs8: Buffer): Promise<CryptoKey> {
  return (await webcrypto.subtle.importKey('pkcs8', pkcs8, KEY_ALGORITHM, false, ['sign'])) as CryptoKey;
}

/** Random positive serial number, 16 bytes in hex (the top bit clear, so it stays positive). */
export function serialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

/** A certificate as PEM text ending in a newline, as files and downloads carry it. */
export function certificatePem(cert: x509.X509Certificate): string {
  return `${cert.toString('pem').trimEnd()}\n`;
}

/** SHA-256 fingerprint as people compare it: `AB:CD:...` (32 pairs). */
export async function fingerprint(cert: x509.X509Certificate): Promise<string> {
  const digest = Buffer.from(await cert.getThumbprint('SHA-256'));
  return [...digest].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
}
