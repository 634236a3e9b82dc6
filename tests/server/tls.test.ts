/**
 * The venue CA and the server certificate (contract section 7): made once and reused,
 * issued again when a name is added or expiry is near, covering exactly the listed names
 * and addresses, keys 0600; the venue's own certificate used as given; damaged key files
 * stop the start with one line naming the file.
 */
import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { StartupError } from '../../server/errors';
import { certificateNames, SERVER_VALIDITY_DAYS } from '../../server/tls/certificate';
import { hostOf, type Interfaces, parseNameList, serverNames } from '../../server/tls/names';
import { prepareTls, type TlsMaterial, tlsDir } from '../../server/tls/prepare';
import { KEY_ALGORITHM, newKeyPair, privateKeyPem, x509 } from '../../server/tls/x509';

const DAY_MS = 24 * 60 * 60_000;

/** A till with a wired and a Wi-Fi interface, loopback, a link-local IPv6 and a Docker bridge. */
const INTERFACES: Interfaces = {
  lo: [
    {
      address: '127.0.0.1',
      netmask: '255.0.0.0',
      family: 'IPv4',
      mac: '00:00:00:00:00:00',
      internal: true,
      cidr: '127.0.0.1/8',
    },
    {
      address: '::1',
      netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
      family: 'IPv6',
      mac: '00:00:00:00:00:00',
      internal: true,
      cidr: '::1/128',
      scopeid: 0,
    },
  ],
  eth0: [
    {
      address: '192.168.1.20',
      netmask: '255.255.255.0',
      family: 'IPv4',
      mac: '02:00:00:00:00:01',
      internal: false,
      cidr: '192.168.1.20/24',
    },
    {
      address: 'fe80::1c2:3ff:fe04:506',
      netmask: 'ffff:ffff:ffff:ffff::',
      family: 'IPv6',
      mac: '02:00:00:00:00:01',
      internal: false,
      cidr: 'fe80::1c2:3ff:fe04:506/64',
      scopeid: 2,
    },
    {
      address: '2001:db8:0:0::20',
      netmask: 'ffff:ffff:ffff:ffff::',
      family: 'IPv6',
      mac: '02:00:00:00:00:01',
      internal: false,
      cidr: '2001:db8::20/64',
      scopeid: 0,
    },
  ],
  wlan0: [
    {
      address: '10.0.0.7',
      netmask: '255.255.255.0',
      family: 'IPv4',
      mac: '02:00:00:00:00:02',
      internal: false,
      cidr: '10.0.0.7/24',
    },
  ],
};

const names = (extra: string[] = []) =>
  serverNames({ hostname: 'Till-1.example.org', interfaces: INTERFACES, extra });

function freshDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'red-coral-tls-'));
}

async function venueCa(dataDir: string, extra: string[] = [], now = new Date()): Promise<TlsMaterial> {
  const material = await prepareTls({ mode: 'venue-ca', names: extra }, dataDir, names(extra), now);
  if (!material) throw new Error('TLS is on');
  return material;
}

function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

/** The StartupError `run` throws: one line, no stack in its message. */
async function startupError(run: () => Promise<unknown>): Promise<string> {
  const error = await run().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StartupError);
  const message = (error as StartupError).message;
  expect(message).not.toContain('\n');
  return message;
}

describe('the names a certificate covers', () => {
  test('localhost, loopback, the host name and <host>.local, every non-internal address, the configured names', () => {
    const listed = names(['venue.test', '192.168.50.1']);
    expect(listed.dns).toEqual(['localhost', 'till-1.example.org', 'till-1.local', 'venue.test']);
    expect(listed.ips).toEqual([
      '127.0.0.1',
      '::1',
      '192.168.1.20',
      'fe80::1c2:3ff:fe04:506',
      '2001:db8::20',
      '10.0.0.7',
      '192.168.50.1',
    ]);
    // Tablets: what the venue named first, then LAN addresses, mDNS, the host name; link-local never.
    expect(listed.forTablets).toEqual([
      'venue.test',
      '192.168.50.1',
      '192.168.1.20',
      '10.0.0.7',
      'till-1.local',
      'till-1.example.org',
      '2001:db8::20',
    ]);
  });

  test('RED_CORAL_TLS_NAMES: trimmed, lower-cased, canonical, no duplicates; anything else stops the start', () => {
    expect(parseNameList(' POS.Venue.Example , 0:0::1,pos.venue.example.,', 'RED_CORAL_TLS_NAMES')).toEqual([
      'pos.venue.example',
      '::1',
    ]);
    for (const bad of ['under_score', 'http://pos', 'pos:8443', '-pos', 'a..b'])
      expect(() => parseNameList(bad, 'RED_CORAL_TLS_NAMES')).toThrow(
        `RED_CORAL_TLS_NAMES: "${bad}" is neither a host name nor an IP address`,
      );
  });

  test('a Host header is read with or without its port, IPv6 in brackets, and malformed ones are nobody', () => {
    expect(hostOf('Venue.Test:8443')).toBe('venue.test');
    expect(hostOf('venue.test.')).toBe('venue.test');
    expect(hostOf('127.0.0.1')).toBe('127.0.0.1');
    expect(hostOf('[0:0::1]:8080')).toBe('::1');
    for (const bad of [undefined, '', '[::1', 'venue.test:80:80', 'a b', '[::1]x', 'venue.test:port'])
      expect(hostOf(bad)).toBeNull();
  });
});

describe('the venue CA and the server certificate', () => {
  test('are made on the first start, in DATA_DIR/tls, keys 0600, and reused unchanged by the next', async () => {
    const dataDir = freshDataDir();
    const first = await venueCa(dataDir);
    expect(first.summary).toBe('venue CA created; server certificate issued (none yet)');
    const dir = tlsDir(dataDir);
    expect(modeOf(dir)).toBe(0o700);
    expect(modeOf(join(dir, 'ca-key.pem'))).toBe(0o600);
    expect(modeOf(join(dir, 'server-key.pem'))).toBe(0o600);
    expect(readFileSync(join(dir, 'ca.pem'), 'utf8')).toBe(first.authority!.pem);

    const again = await venueCa(dataDir);
    expect(again.summary).toBe('server certificate reused');
    expect(again.authority!.fingerprint).toBe(first.authority!.fingerprint);
    expect(again.cert).toBe(first.cert);
    expect(again.key).toBe(first.key);
  });

  test('the CA is ECDSA P-256, a CA for servers only below it, its fingerprint the SHA-256 of its DER', async () => {
    const { authority } = await venueCa(freshDataDir());
    const ca = new X509Certificate(authority!.pem);
    expect(ca.ca).toBe(true);
    expect(ca.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(ca.fingerprint256).toBe(authority!.fingerprint);
    expect(Buffer.from(ca.raw).equals(authority!.der)).toBe(true);
    const parsed = new x509.X509Certificate(authority!.pem);
    expect(parsed.getExtension(x509.BasicConstraintsExtension)).toMatchObject({
      ca: true,
      pathLength: 0,
      critical: true,
    });
  });

  test('covers exactly the listed names and addresses, for at most 397 days, for server authentication', async () => {
    const now = new Date('2026-06-01T12:00:00Z');
    const material = await venueCa(freshDataDir(), ['venue.test'], now);
    const cert = new x509.X509Certificate(material.cert);
    const listed = names(['venue.test']);
    expect(certificateNames(cert)).toEqual(
      [...listed.dns.map((n) => `dns:${n}`), ...listed.ips.map((ip) => `ip:${ip}`)].sort(),
    );
    expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBeLessThanOrEqual(
      SERVER_VALIDITY_DAYS * DAY_MS,
    );
    expect(cert.notBefore.getTime()).toBeLessThanOrEqual(now.getTime());
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([
      x509.ExtendedKeyUsage.serverAuth,
    ]);
    const node = new X509Certificate(material.cert);
    const ca = new X509Certificate(material.authority!.pem);
    expect(node.checkIssued(ca)).toBe(true);
    expect(node.verify(ca.publicKey)).toBe(true);
    expect(node.ca).toBe(false);
  });

  test('a name added to RED_CORAL_TLS_NAMES gets a new certificate from the same CA', async () => {
    const dataDir = freshDataDir();
    const before = await venueCa(dataDir);
    const after = await venueCa(dataDir, ['pos.venue.example']);
    expect(after.summary).toBe('server certificate issued (names changed)');
    expect(after.authority!.fingerprint).toBe(before.authority!.fingerprint);
    expect(after.cert).not.toBe(before.cert);
    expect(certificateNames(new x509.X509Certificate(after.cert))).toContain('dns:pos.venue.example');
    expect((await venueCa(dataDir, ['pos.venue.example'])).summary).toBe('server certificate reused');
  });

  test('a certificate that expires within 30 days is issued again at start; 31 days left is kept', async () => {
    const dataDir = freshDataDir();
    const first = await venueCa(dataDir);
    const notAfter = new x509.X509Certificate(first.cert).notAfter.getTime();
    expect((await venueCa(dataDir, [], new Date(notAfter - 31 * DAY_MS))).summary).toBe(
      'server certificate reused',
    );
    const renewed = await venueCa(dataDir, [], new Date(notAfter - 29 * DAY_MS));
    expect(renewed.summary).toMatch(/^server certificate issued \(expires \d{4}-\d\d-\d\d\)$/);
    expect(new x509.X509Certificate(renewed.cert).notAfter.getTime()).toBeGreaterThan(notAfter);
    expect(renewed.authority!.fingerprint).toBe(first.authority!.fingerprint);
  });

  test('a key made readable to others is put back to 0600 at the next start', async () => {
    const dataDir = freshDataDir();
    await venueCa(dataDir);
    for (const file of ['ca-key.pem', 'server-key.pem']) chmodSync(join(tlsDir(dataDir), file), 0o644);
    await venueCa(dataDir);
    for (const file of ['ca-key.pem', 'server-key.pem'])
      expect(modeOf(join(tlsDir(dataDir), file))).toBe(0o600);
  });

  test('a damaged server certificate is simply issued again; the CA stays', async () => {
    const dataDir = freshDataDir();
    const first = await venueCa(dataDir);
    writeFileSync(join(tlsDir(dataDir), 'server.pem'), 'not a certificate');
    const again = await venueCa(dataDir);
    expect(again.summary).toMatch(/^server certificate issued \(unreadable/);
    expect(again.authority!.fingerprint).toBe(first.authority!.fingerprint);
  });

  test("a broken CA key stops the start with one line naming the file, and the CA's files are left alone", async () => {
    const dataDir = freshDataDir();
    await venueCa(dataDir);
    const keyPath = join(tlsDir(dataDir), 'ca-key.pem');
    writeFileSync(keyPath, '-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n');
    const message = await startupError(() => venueCa(dataDir));
    expect(message).toMatch(
      new RegExp(`^${keyPath} is not the venue CA's private key \\(.+\\): restore DATA_DIR/tls`),
    );
    expect(readFileSync(keyPath, 'utf8')).toContain('broken');
  });

  test('a CA key that belongs to another certificate, or a missing one, stops the start too', async () => {
    const dataDir = freshDataDir();
    await venueCa(dataDir);
    const keyPath = join(tlsDir(dataDir), 'ca-key.pem');
    writeFileSync(keyPath, await privateKeyPem((await newKeyPair()).privateKey));
    expect(await startupError(() => venueCa(dataDir))).toContain('it does not belong to the certificate');
    const other = freshDataDir();
    await venueCa(other);
    rmSync(join(tlsDir(other), 'ca-key.pem'));
    expect(await startupError(() => venueCa(other))).toBe(
      `the venue CA's private key ${join(tlsDir(other), 'ca-key.pem')} is missing: restore DATA_DIR/tls from a backup, or delete it to make a new CA (every tablet must then be set up again)`,
    );
  });
});

/** A certificate for `pos.venue.example` from some other CA, as a venue would bring it. */
async function venueOwnCertificate(
  dir: string,
): Promise<{ certFile: string; keyFile: string; certPem: string }> {
  const issuerKeys = await newKeyPair();
  const keys = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '0a0b0c',
    subject: 'CN=pos.venue.example',
    issuer: 'CN=Some Public CA',
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 90 * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: issuerKeys.privateKey,
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'pos.venue.example' },
        { type: 'dns', value: '*.tills.venue.example' },
        { type: 'ip', value: '192.168.1.20' },
      ]),
    ],
  });
  const certPem = `${cert.toString('pem')}\n`;
  const certFile = join(dir, 'venue.crt');
  const keyFile = join(dir, 'venue.key');
  writeFileSync(certFile, certPem);
  writeFileSync(keyFile, await privateKeyPem(keys.privateKey), { mode: 0o600 });
  return { certFile, keyFile, certPem };
}

describe("the venue's own certificate", () => {
  test('is served exactly as given, with no CA to hand out and nothing written to DATA_DIR', async () => {
    const dir = freshDataDir();
    const own = await venueOwnCertificate(dir);
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    const material = await prepareTls(
      { mode: 'venue-cert', certFile: own.certFile, keyFile: own.keyFile },
      dataDir,
    );
    expect(material!.cert).toBe(own.certPem);
    expect(material!.key).toBe(readFileSync(own.keyFile, 'utf8'));
    expect(material!.authority).toBeNull();
    expect(material!.names).toEqual(['pos.venue.example', '*.tills.venue.example', '192.168.1.20']);
    expect(material!.forTablets).toEqual(['pos.venue.example', '192.168.1.20']);
    expect(() => statSync(tlsDir(dataDir))).toThrow();
  });

  test('a key that does not belong to it, or an unreadable file, stops the start with one line', async () => {
    const dir = freshDataDir();
    const own = await venueOwnCertificate(dir);
    const strayKey = join(dir, 'stray.key');
    writeFileSync(strayKey, await privateKeyPem((await newKeyPair()).privateKey));
    expect(
      await startupError(() =>
        prepareTls({ mode: 'venue-cert', certFile: own.certFile, keyFile: strayKey }, dir),
      ),
    ).toMatch(
      new RegExp(
        `^RED_CORAL_TLS_CERT ${own.certFile} and RED_CORAL_TLS_KEY ${strayKey} cannot be used together: `,
      ),
    );
    const missing = join(dir, 'nowhere.key');
    expect(
      await startupError(() =>
        prepareTls({ mode: 'venue-cert', certFile: own.certFile, keyFile: missing }, dir),
      ),
    ).toBe(
      `cannot read RED_CORAL_TLS_KEY at ${missing}: ENOENT: no such file or directory, open '${missing}'`,
    );
    expect(
      await startupError(() => prepareTls({ mode: 'venue-cert', certFile: dir, keyFile: own.keyFile }, dir)),
    ).toMatch(new RegExp(`^cannot read RED_CORAL_TLS_CERT at ${dir}: EISDIR`));
  });
});

describe('RED_CORAL_TLS=off', () => {
  test('prepares nothing and writes nothing', async () => {
    const dataDir = freshDataDir();
    expect(await prepareTls({ mode: 'off' }, dataDir)).toBeNull();
    expect(() => statSync(tlsDir(dataDir))).toThrow();
  });
});
