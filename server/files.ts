/**
 * Files the server writes itself (TLS keys and certificates, the staff PIN sheet): secrets
 * 0600 and their directory 0700, so only the server's user reads them (contract section
 * 9); every write atomic (a crash mid-write leaves the old file, never half a key); reads
 * that fail with one line naming the file.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StartupError } from './errors';

/** Mode of private keys. */
export const SECRET_MODE = 0o600;
/** Mode of certificates: public by nature. */
export const PUBLIC_MODE = 0o644;

/** Makes `dir` (mode 0700) if it is missing. */
export function ensurePrivateDir(dir: string): void {
  try {
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  } catch (err) {
    throw new StartupError(`cannot create ${dir}: ${reason(err)}`);
  }
}

/** Writes a file atomically with exactly `mode` (the umask does not loosen or tighten it). */
export function writeAtomically(path: string, data: string | Buffer, mode: number): void {
  const temporary = join(dirname(path), `.${Date.now()}-${process.pid}.tmp`);
  try {
    writeFileSync(temporary, data, { mode });
    chmodSync(temporary, mode);
    renameSync(temporary, path);
  } catch (err) {
    throw new StartupError(`cannot write ${path}: ${reason(err)}`);
  }
}

/** Puts a secret back to 0600 if something loosened it (a copy, a restore from backup). */
export function tightenSecret(path: string): void {
  try {
    if ((statSync(path).mode & 0o777) !== SECRET_MODE) chmodSync(path, SECRET_MODE);
  } catch (err) {
    throw new StartupError(`cannot make ${path} private (mode 0600): ${reason(err)}`);
  }
}

/** Reads a file as text; a missing or unreadable file stops the start with one line. */
export function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new StartupError(`cannot read ${what} at ${path}: ${reason(err)}`);
  }
}

/** The message of a failure without its stack (`EACCES: permission denied, open '...'`). */
export function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
