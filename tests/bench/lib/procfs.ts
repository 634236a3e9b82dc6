/**
 * Memory of the server process from /proc. The test helper spawns `node --import tsx`,
 * so the process that holds the sockets is found by its listening port rather than
 * trusted to be the direct child.
 */
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';

/** Socket inode of the LISTEN entry on `port` in /proc/net/tcp{,6}. */
function listeningInode(port: number): string | null {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // cols: sl local_address rem_address st ... inode (index 9); 0A = LISTEN.
      if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A') return cols[9] ?? null;
    }
  }
  return null;
}

/** The pid of the process listening on 127.0.0.1:`port`, or null. */
export function pidListeningOn(port: number): number | null {
  const inode = listeningInode(port);
  if (!inode) return null;
  const wanted = `socket:[${inode}]`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${entry}/fd/${fd}`) === wanted) return Number(entry);
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return null;
}

export interface ProcMemory {
  /** Resident set now, KiB. */
  rssKiB: number;
  /** Peak resident set since start (or since `resetPeak`), KiB. */
  peakKiB: number;
}

export function memoryOf(pid: number): ProcMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssKiB: kib('VmRSS'), peakKiB: kib('VmHWM') };
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0), so a peak belongs to one phase. */
export function resetPeak(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // not permitted: the peak then covers the whole process life, which the doc says
  }
}
