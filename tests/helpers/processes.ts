/**
 * Child processes a test helper starts (a virtual display, a WebDriver server): each is
 * killed by its own PID when the helper lets go of it, or when the test process exits.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface Helper {
  child: ChildProcess;
  /** What it printed so far (stdout and stderr), for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s; resolves once it is gone. */
  stop(): Promise<void>;
}

/** Spawns `command` with piped output, remembered until it exits. */
export function startHelper(command: string, args: string[], options: SpawnOptions = {}): Helper {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  live.add(child);
  let output = '';
  const keep = (d: Buffer) => {
    // The tail is what explains a failure; a chatty helper must not grow without bound.
    output = (output + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      resolve();
    });
    child.once('error', () => {
      live.delete(child);
      resolve();
    });
  });
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
