/** The machine the figures were measured on, for the doc. */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { launchBrowser } from '../../helpers/browser';

export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  chromium: string;
  os: string;
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1]!.trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

async function chromiumVersion(): Promise<string> {
  try {
    const browser = await launchBrowser();
    const version = browser.version();
    await browser.close();
    return version;
  } catch (err) {
    return `unavailable (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
}

export async function describeMachine(): Promise<Machine> {
  let os = `${process.platform} ${process.arch}`;
  try {
    os = readFileSync('/proc/version', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    // keep the platform
  }
  return {
    cores: cpus().length,
    cpu: cpuModel(),
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    chromium: await chromiumVersion(),
    os,
  };
}
