/**
 * What `npm start` tells the person who started it: where tablets open the app (HTTPS
 * first), the set-up page as a QR code, the venue CA's fingerprint, and once, on a new
 * database, the staff PINs — on the terminal only, else in a 0600 file (contract section 9).
 */
import { isIP } from 'node:net';
import { join } from 'node:path';
import QRCode from 'qrcode';
import { SETUP_PATH } from '../src/shared/protocol';
import { SECRET_MODE, writeAtomically } from './files';
import { httpsUrl } from './routes/setup';
import { namesFromSystem } from './tls/names';
import type { TlsMaterial } from './tls/prepare';

export const STAFF_PINS_FILE = 'staff-pins.txt';

/**
 * The staff sheet goes to a person, never to a log: printed on an interactive terminal,
 * otherwise written to `DATA_DIR/staff-pins.txt` (0600) and only its path printed.
 */
export function publishStaffSheet(sheet: string, dataDir: string, interactive: boolean): string {
  if (interactive) return sheet;
  const path = join(dataDir, STAFF_PINS_FILE);
  writeAtomically(path, sheet, SECRET_MODE);
  return `Demo restaurant created. The staff and their PINs are in ${path} (readable by this user only; not shown anywhere else).\n`;
}

/** The machine's non-internal IPv4 addresses: what a tablet on the Wi-Fi types. */
function lanAddresses(): string[] {
  return namesFromSystem([]).forTablets.filter((name) => isIP(name) === 4);
}

function wildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

export interface Listening {
  host: string;
  port: number;
  httpsPort: number | null;
  tls: TlsMaterial | null;
}

/** The plain HTTP addresses (as before HTTPS, so scripts that read them still find them). */
export function httpUrls({ host, port }: Listening): string[] {
  if (!wildcard(host)) return [`http://${host}:${port}`];
  return [`http://localhost:${port}`, ...lanAddresses().map((a) => `http://${a}:${port}`)];
}

/** The HTTPS addresses to open on tablets, best first. */
export function httpsUrls({ host, httpsPort, tls }: Listening): string[] {
  if (!tls || httpsPort === null) return [];
  if (!wildcard(host)) return [httpsUrl(host, httpsPort)];
  return tls.forTablets.map((name) => httpsUrl(name, httpsPort));
}

/** The lines printed once the server listens. */
export async function startupText(listening: Listening, interactive: boolean): Promise<string> {
  const plain = httpUrls(listening);
  const secure = httpsUrls(listening);
  const setup = `${plain[plain.length > 1 ? 1 : 0]}${SETUP_PATH}`;
  const lines: string[] = [];
  if (secure.length > 0) {
    lines.push(
      'Open on the tablets (HTTPS: offline start and installation):',
      ...secure.map((u) => `  ${u}`),
    );
    lines.push('Plain HTTP, which keeps working but gives a tablet neither:', ...plain.map((u) => `  ${u}`));
  } else {
    lines.push(
      listening.tls === null
        ? 'Open on the tablets (plain HTTP: RED_CORAL_TLS=off, so no offline start off this computer):'
        : 'Open on the tablets:',
      ...plain.map((u) => `  ${u}`),
    );
  }
  const authority = listening.tls?.authority ?? null;
  if (listening.tls) {
    lines.push(`Set up a tablet (trust the venue certificate, then open the app): scan or open ${setup}`);
    // ANSI colours force dark-on-light on any terminal; a log file gets plain block characters.
    lines.push(
      await QRCode.toString(setup, interactive ? { type: 'terminal', small: true } : { type: 'utf8' }),
    );
    lines.push(
      authority
        ? `Venue CA fingerprint (SHA-256): ${authority.fingerprint}`
        : "HTTPS uses the venue's own certificate: nothing to install on the tablets.",
    );
  }
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}
