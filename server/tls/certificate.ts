/**
 * The server certificate the venue CA issues this server: for every name and address in
 * `ServerNames`, at most 397 days, issued again at start when the names changed, when it
 * expires within 30 days, or when it is not (or no longer) this CA's. It is this server's
 * own material, so a damaged file is simply replaced; the CA is what must never change.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { PUBLIC_MODE, reason, SECRET_MODE, tightenSecret, writeAtomically } from '../files';
import type { Authority } from './authority';
import { canonicalIp, type ServerNames } from './names';
import { certificatePem, KEY_ALGORITHM, newKeyPair, privateKeyPem, serialNumber, x509 } from './x509';

export const SERVER_CERT_FILE = 'server.pem';
export const SERVER_KEY_FILE = 'server-key.pem';

const DAY_MS = 24 * 60 * 60_000;
/** Browsers refuse server certificates valid for longer than 398 days. */
export const SERVER_VALIDITY_DAYS = 397;
/** A certificate that expires within this many days is replaced at start. */
export const RENEW_WITHIN_DAYS = 30;
/** notBefore lies this far back, so a tablet whose clock runs a little behind accepts a new certificate. */
const BACKDATE_MS = 60 * 60_000;

export interface ServerCertificate {
  certPem: string;
  keyPem: string;
  /** Why it was issued at this start, or null when the stored one still fits. */
  issued: string | null;
}

/** The names a certificate covers, as `dns:<name>` and `ip:<canonical address>`, sorted. */
export function certificateNames(cert: x509.X509Certificate): string[] {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  return (san?.names.toJSON() ?? [])
    .map((n) => (n.type === 'ip' ? `ip:${canonicalIp(n.value)}` : `${n.type}:${n.value.toLowerCase()}`))
    .sort();
}

function wantedNames(names: ServerNames): string[] {
  return [...names.dns.map((n) => `dns:${n}`), ...names.ips.map((ip) => `ip:${ip}`)].sort();
}

/** The stored certificate and key of `dir` if they still serve, or why not. */
async function stored(
  dir: string,
  authority: Authority,
  names: ServerNames,
  now: Date,
): Promise<{ certPem: string; keyPem: string } | string> {
  const certPath = join(dir, SERVER_CERT_FILE);
  const keyPath = join(dir, SERVER_KEY_FILE);
  if (!existsSync(certPath) || !existsSync(keyPath)) return 'none yet';
  try {
    const certPem = readFileSync(certPath, 'utf8');
    const keyPem = readFileSync(keyPath, 'utf8');
    const cert = new x509.X509Certificate(certPem);
    const issuedHere =
      cert.issuer === authority.cert.subject &&
      (await cert.verify({ publicKey: authority.cert.publicKey, signatureOnly: true }));
    if (!issuedHere) return 'not issued by the venue CA';
    const spki = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
    if (!spki.equals(Buffer.from(cert.publicKey.rawData))) return 'key does not match';
    if (cert.notAfter.getTime() - now.getTime() < RENEW_WITHIN_DAYS * DAY_MS)
      return `expires ${cert.notAfter.toISOString().slice(0, 10)}`;
    if (certificateNames(cert).join() !== wantedNames(names).join()) return 'names changed';
    tightenSecret(keyPath);
    return { certPem, keyPem };
  } catch (err) {
    return `unreadable (${reason(err)})`;
  }
}

/** The server certificate of `dir`, issued anew by `authority` when the stored one no longer fits. */
export async function ensureServerCertificate(
  dir: string,
  authority: Authority,
  names: ServerNames,
  now = new Date(),
): Promise<ServerCertificate> {
  const kept = await stored(dir, authority, names, now);
  if (typeof kept !== 'string') return { ...kept, issued: null };

  const keys = await newKeyPair();
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  const notAfter = new Date(notBefore.getTime() + SERVER_VALIDITY_DAYS * DAY_MS);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: [
      { CN: [names.forTablets.find((n) => !isIP(n)) ?? names.dns[0] ?? 'localhost'] },
      { O: ['Red Coral'] },
    ],
    issuer: authority.cert.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: authority.signingKey,
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...names.dns.map((value) => ({ type: 'dns' as const, value })),
        ...names.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(authority.cert),
    ],
  });
  const certPem = certificatePem(cert);
  const keyPem = await privateKeyPem(keys.privateKey);
  writeAtomically(join(dir, SERVER_KEY_FILE), keyPem, SECRET_MODE);
  writeAtomically(join(dir, SERVER_CERT_FILE), certPem, PUBLIC_MODE);
  return { certPem, keyPem, issued: kept };
}
