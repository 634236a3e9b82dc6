/**
 * The venue certificate authority in `DATA_DIR/tls/`: made once, on the first start, and
 * kept for good, since every tablet set up trusts exactly this certificate. Its private key
 * is written 0600 and never leaves the directory; only the certificate is ever served.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StartupError } from '../errors';
import { PUBLIC_MODE, readText, reason, SECRET_MODE, tightenSecret, writeAtomically } from '../files';
import {
  type CryptoKey,
  certificatePem,
  fingerprint,
  importSigningKey,
  KEY_ALGORITHM,
  newKeyPair,
  privateKeyPem,
  serialNumber,
  x509,
} from './x509';

export const CA_CERT_FILE = 'ca.pem';
export const CA_KEY_FILE = 'ca-key.pem';

/** The CA's lifetime: long, because renewing it means setting up every tablet again. */
const CA_VALIDITY_YEARS = 20;

export interface Authority {
  cert: x509.X509Certificate;
  /** The certificate as PEM (`/setup/ca.pem`) and DER (`/setup/ca.crt`). */
  pem: string;
  der: Buffer;
  /** SHA-256 of the DER certificate, `AB:CD:...`. */
  fingerprint: string;
  signingKey: CryptoKey;
}

/** What to tell an operator whose CA files are damaged: the one way out, and its price. */
const WAY_OUT =
  'restore DATA_DIR/tls from a backup, or delete it to make a new CA (every tablet must then be set up again)';

/** The CA of `dir`, made now if the directory has none. */
export async function loadOrCreateAuthority(
  dir: string,
  now = new Date(),
): Promise<{ authority: Authority; created: boolean }> {
  const certPath = join(dir, CA_CERT_FILE);
  const keyPath = join(dir, CA_KEY_FILE);
  const hasCert = existsSync(certPath);
  const hasKey = existsSync(keyPath);
  if (!hasCert && !hasKey) return { authority: await createAuthority(certPath, keyPath, now), created: true };
  if (!hasKey) throw new StartupError(`the venue CA's private key ${keyPath} is missing: ${WAY_OUT}`);
  if (!hasCert) throw new StartupError(`the venue CA's certificate ${certPath} is missing: ${WAY_OUT}`);
  tightenSecret(keyPath);
  return { authority: await readAuthority(certPath, keyPath, now), created: false };
}

async function createAuthority(certPath: string, keyPath: string, now: Date): Promise<Authority> {
  const keys = await newKeyPair();
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CA_VALIDITY_YEARS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    // The host and the day in the name tell two venues' (or two installs') CAs apart on a tablet.
    name: [
      { CN: [`Red Coral venue CA (${safeLabel(hostname())}, ${now.toISOString().slice(0, 10)})`] },
      { O: ['Red Coral'] },
    ],
    notBefore: now,
    notAfter,
    keys,
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  // Key first: a crash between the two writes leaves a key without a certificate, which
  // the next start refuses loudly rather than silently making a second CA.
  writeAtomically(keyPath, await privateKeyPem(keys.privateKey), SECRET_MODE);
  writeAtomically(certPath, certificatePem(cert), PUBLIC_MODE);
  return toAuthority(cert, keys.privateKey);
}

async function readAuthority(certPath: string, keyPath: string, now: Date): Promise<Authority> {
  const certPem = readText(certPath, "the venue CA's certificate");
  const keyPem = readText(keyPath, "the venue CA's private key");
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(certPem);
  } catch (err) {
    throw new StartupError(`${certPath} is not a certificate (${reason(err)}): ${WAY_OUT}`);
  }
  let pkcs8: Buffer;
  try {
    const key = createPrivateKey(keyPem);
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
      throw new Error('not an ECDSA P-256 key');
    const certKey = Buffer.from(cert.publicKey.rawData);
    if (!createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(certKey))
      throw new Error(`it does not belong to the certificate ${certPath}`);
    pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  } catch (err) {
    throw new StartupError(`${keyPath} is not the venue CA's private key (${reason(err)}): ${WAY_OUT}`);
  }
  if (cert.notAfter <= now)
    throw new StartupError(`the venue CA ${certPath} expired on ${cert.notAfter.toISOString()}: ${WAY_OUT}`);
  return toAuthority(cert, await importSigningKey(pkcs8));
}

async function toAuthority(cert: x509.X509Certificate, signingKey: CryptoKey): Promise<Authority> {
  return {
    cert,
    pem: certificatePem(cert),
    der: Buffer.from(cert.rawData),
    fingerprint: await fingerprint(cert),
    signingKey,
  };
}

/** A host name as it may go into a certificate's name: letters, digits, dots and hyphens. */
function safeLabel(name: string): string {
  return name.replace(/[^A-Za-z0-9.-]/g, '').slice(0, 40) || 'server';
}
