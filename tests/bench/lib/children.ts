/**
 * Forked processes: load tools, SSE clients and the PouchDB peer's server each run in their
 * own Node process (forked with tsx), so their CPU is not the measured process's. Every
 * child is tracked and killed when the benchmark ends or this process exits.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const live = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A forked client script speaking request/reply over IPC. */
export class ClientProcess<Req extends { type: string }, Rep extends { type: string }> {
  private readonly child: ChildProcess;
  private readonly waiters: { type: string; resolve: (m: Rep) => void; reject: (e: Error) => void }[] = [];
  private exited = false;

  constructor(script: string, opts: { maxOldSpaceMb?: number } = {}) {
    const execArgv = ['--import', 'tsx'];
    if (opts.maxOldSpaceMb) execArgv.push(`--max-old-space-size=${opts.maxOldSpaceMb}`);
    this.child = fork(join(here, '..', 'clients', script), [], {
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    live.add(this.child);
    this.child.on('message', (raw) => {
      const message = raw as Rep;
      const i = this.waiters.findIndex((w) => w.type === message.type);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(message);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      live.delete(this.child);
      for (const w of this.waiters.splice(0))
        w.reject(new Error(`client ${script} exited (${code ?? signal}) before answering ${w.type}`));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(message: Req): void {
    this.child.send(message);
  }

  /** Waits for the next message of `type`, failing after `timeoutMs`. */
  next<T extends Rep['type']>(type: T, timeoutMs: number): Promise<Extract<Rep, { type: T }>> {
    if (this.exited) return Promise.reject(new Error(`client exited; no ${type} will come`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no ${type} from the client within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        type,
        resolve: (m: Rep) => {
          clearTimeout(timer);
          resolve(m as Extract<Rep, { type: T }>);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Sends `message` and waits for the reply of `type`. */
  async request<T extends Rep['type']>(message: Req, type: T, timeoutMs: number) {
    const reply = this.next(type, timeoutMs);
    this.send(message);
    return reply;
  }

  /** Asks the child to exit, and kills it if it does not within 5 s. */
  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    try {
      this.child.send({ type: 'exit' });
    } catch {
      this.child.kill('SIGKILL');
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
}
