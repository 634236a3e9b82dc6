/**
 * What the HTTPS port serves with, decided once at start (contract section 7): the venue
 * CA's certificate for this server (made or reused in `DATA_DIR/tls/`), the venue's own
 * certificate exactly as given (`RED_CORAL_TLS_CERT` / `RED_CORAL_TLS_KEY`), or nothing
 * (`RED_CORAL_TLS=off`). Every problem is a StartupError naming the file.
 */
import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { StartupError } from '../errors';
import { ensurePrivateDir, readText, reason } from '../files';
import { loadOrCreateAuthority } from './authority';
import { ensureServerCertificate } from './certificate';
import { canonicalIp, namesFromSystem, type ServerNames } from './names';
import { x509 } from './x509';

export type TlsSettings =
  | { mode: 'off' }
  /** The venue CA; `names` are RED_CORAL_TLS_NAMES, on top of this machine's own. */
  | { mode: 'venue-ca'; names: string[] }
  | { mode: 'venue-cert'; certFile: string; keyFile: string };

/** The venue CA as /setup hands it out: never its key. */
export interface PublicAuthority {
  pem: string;
  der: Buffer;
  fingerprint: string;
  /** The CA's name as a tablet lists it. */
  name: string;
}

export interface TlsMaterial {
  key: string;
  cert: string;
  /** The venue CA that issued `cert`; null when the venue supplied its own certificate. */
  authority: PublicAuthority | null;
  /** Every name and address the certificate covers (accepted as `Host`). */
  names: string[];
  /** The names and addresses to offer tablets, best first. */
  forTablets: string[];
  /** What this start did, for the log: "issued (names changed)", "reused", "venue certificate". */
  summary: string;
}

/** The directory of the venue CA and the server certificate, inside DATA_DIR. */
export function tlsDir(dataDir: string): string {
  return join(dataDir, 'tls');
}

/** The HTTPS material for `settings`, or null when TLS is off. */
export async function prepareTls(
  settings: TlsSettings,
  dataDir: string,
  names: ServerNames = namesFromSystem(settings.mode === 'venue-ca' ? settings.names : []),
  now = new Date(),
): Promise<TlsMaterial | null> {
  if (settings.mode === 'off') return null;
  if (settings.mode === 'venue-cert') return venueCertificate(settings.certFile, settings.keyFile);
  const dir = tlsDir(dataDir);
  ensurePrivateDir(dir);
  const { authority, created } = await loadOrCreateAuthority(dir, now);
  const server = await ensureServerCertificate(dir, authority, names, now);
  const made = created ? 'venue CA created; ' : '';
  return {
    key: server.keyPem,
    cert: server.certPem,
    authority: {
      pem: authority.pem,
      der: authority.der,
      fingerprint: authority.fingerprint,
      name: authority.cert.subjectName.getField('CN')[0] ?? authority.cert.subject,
    },
    names: [...names.dns, ...names.ips],
    forTablets: names.forTablets,
    summary: `${made}server certificate ${server.issued ? `issued (${server.issued})` : 'reused'}`,
  };
}

/** The venue's own certificate and key, checked to belong together, used exactly as given. */
function venueCertificate(certFile: string, keyFile: string): TlsMaterial {
  const cert = readText(certFile, 'RED_CORAL_TLS_CERT');
  const key = readText(keyFile, 'RED_CORAL_TLS_KEY');
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw new StartupError(
      `RED_CORAL_TLS_CERT ${certFile} and RED_CORAL_TLS_KEY ${keyFile} cannot be used together: ${reason(err)}`,
    );
  }
  let leaf: x509.X509Certificate;
  try {
    leaf = new x509.X509Certificate(x509.PemConverter.decodeFirst(cert));
  } catch (err) {
    throw new StartupError(`RED_CORAL_TLS_CERT ${certFile} is not a PEM certificate: ${reason(err)}`);
  }
  const names: string[] = [];
  for (const { type, value } of leaf.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON() ?? [])
    if (type === 'dns') names.push(value.toLowerCase());
    else if (type === 'ip') names.push(canonicalIp(value));
  const loopback = new Set(['localhost', '127.0.0.1', '::1']);
  const looseKey = (statSync(keyFile).mode & 0o077) !== 0;
  return {
    key,
    cert,
    authority: null,
    names,
    forTablets: names
      .filter((n) => !loopback.has(n) && !n.startsWith('*.'))
      .sort((a, b) => rank(a) - rank(b)),
    summary: `venue certificate ${certFile} (until ${leaf.notAfter.toISOString().slice(0, 10)})${
      looseKey ? `; warning: ${keyFile} is readable by other users (chmod 600 it)` : ''
    }`,
  };
}

/** Names before addresses: a venue that brings its own certificate brings its own domain. */
function rank(name: string): number {
  return isIP(name) ? 1 : 0;
}
