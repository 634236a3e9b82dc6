/**
 * The names and addresses tablets may use to reach this server: what the venue
 * certificate covers (contract section 7) and what the `Host` check accepts (section 9).
 * Pure functions of the host name, the network interfaces and the configured names, so
 * tests can pin the exact list; `namesFromSystem` reads the real ones.
 */
import { isIP } from 'node:net';
import { networkInterfaces, hostname as osHostname } from 'node:os';
import { StartupError } from '../errors';

export interface ServerNames {
  /** DNS names for the certificate, in order: localhost, host name, `<host>.local`, configured ones. */
  dns: string[];
  /** IP addresses for the certificate, in order: loopback, every non-internal address, configured ones. */
  ips: string[];
  /** What a tablet on the venue network can use, best first: configured names, LAN addresses, host names. */
  forTablets: string[];
}

export type Interfaces = ReturnType<typeof networkInterfaces>;

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** True for a DNS name a certificate and a browser both accept (letters, digits, hyphens). */
export function isDnsName(name: string): boolean {
  return name.length <= 253 && name.split('.').every((label) => LABEL.test(label));
}

/** The one spelling of an address (`0:0::1` → `::1`), as the URL parser writes it. */
export function canonicalIp(ip: string): string {
  const host = new URL(isIP(ip) === 6 ? `http://[${ip}]/` : `http://${ip}/`).hostname;
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

/** A name or address as it appears in a URL (IPv6 in brackets). */
export function urlHost(name: string): string {
  return isIP(name) === 6 ? `[${name}]` : name;
}

/** Link-local IPv6 needs a zone id that URLs cannot carry: not an address to hand to a tablet. */
function linkLocal(ip: string): boolean {
  return /^fe[89ab]/i.test(ip);
}

/**
 * Reads a comma-separated list of names and addresses (`RED_CORAL_TLS_NAMES`,
 * `RED_CORAL_ALLOWED_HOSTS`), lower-cased, canonical, without duplicates; anything that
 * is neither a DNS name nor an IP address stops the start, naming the variable.
 */
export function parseNameList(raw: string | undefined, variable: string): string[] {
  const names: string[] = [];
  for (const entry of (raw ?? '').split(',')) {
    const name = entry.trim().toLowerCase().replace(/\.$/, '');
    if (name === '') continue;
    const value = isIP(name) ? canonicalIp(name) : name;
    if (!isIP(value) && !isDnsName(value))
      throw new StartupError(`${variable}: "${entry.trim()}" is neither a host name nor an IP address`);
    if (!names.includes(value)) names.push(value);
  }
  return names;
}

/** Every name and address of this machine, plus the configured ones (contract section 7). */
export function serverNames(input: {
  hostname: string;
  interfaces: Interfaces;
  extra: string[];
}): ServerNames {
  const dns: string[] = [];
  const ips: string[] = [];
  const add = (list: string[], value: string) => {
    if (!list.includes(value)) list.push(value);
  };
  // A host name like "till.example.org" gives "till.local": mDNS names are one label.
  const host = input.hostname.trim().toLowerCase().replace(/\.$/, '');
  const short = host.split('.')[0] ?? '';
  const own: string[] = [];
  if (isDnsName(host) && host !== 'localhost') own.push(host);
  if (isDnsName(short) && short !== 'localhost') own.push(`${short}.local`);
  add(dns, 'localhost');
  for (const name of own) add(dns, name);
  add(ips, '127.0.0.1');
  add(ips, '::1');
  const lan: string[] = [];
  for (const addresses of Object.values(input.interfaces))
    for (const a of addresses ?? [])
      if (!a.internal) {
        const ip = canonicalIp(a.address);
        add(ips, ip);
        if (!linkLocal(ip)) add(lan, ip);
      }
  for (const name of input.extra) add(isIP(name) ? ips : dns, name);

  const forTablets: string[] = [];
  for (const name of input.extra) add(forTablets, name);
  for (const ip of lan.filter((a) => isIP(a) === 4)) add(forTablets, ip);
  for (const name of [...own].reverse()) add(forTablets, name); // <host>.local, then <host>
  for (const ip of lan.filter((a) => isIP(a) === 6)) add(forTablets, ip);
  return { dns, ips, forTablets };
}

/** The names of this machine now, plus `extra`. */
export function namesFromSystem(extra: string[]): ServerNames {
  return serverNames({ hostname: osHostname(), interfaces: networkInterfaces(), extra });
}

/**
 * The host a `Host` header names, lower-cased and canonical, without its port; null when
 * the header is missing or malformed.
 */
export function hostOf(header: string | undefined): string | null {
  if (!header) return null;
  const value = header.trim().toLowerCase();
  let host: string;
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end === -1 || !/^(:\d{1,5})?$/.test(value.slice(end + 1))) return null;
    host = value.slice(1, end);
    if (isIP(host) !== 6) return null;
  } else {
    const colon = value.indexOf(':');
    if (colon !== -1 && !/^:\d{1,5}$/.test(value.slice(colon))) return null;
    host = colon === -1 ? value : value.slice(0, colon);
  }
  host = host.replace(/\.$/, '');
  if (isIP(host)) return canonicalIp(host);
  return isDnsName(host) ? host : null;
}

/** True when `host` is one of `names`; a `*.example.org` entry (a venue certificate's) covers one label. */
export function nameMatches(host: string, names: Iterable<string>): boolean {
  for (const name of names) {
    if (name === host) return true;
    if (name.startsWith('*.') && !isIP(host)) {
      const dot = host.indexOf('.');
      if (dot > 0 && host.slice(dot + 1) === name.slice(2)) return true;
    }
  }
  return false;
}
