/**
 * `npm run drill -- <scenario|all> [options]`: runs QA drills and prints PASS/FAIL with the
 * evidence (docs/DRILLS.md). Exit status 0 when every drill passed, 1 when one failed,
 * 2 on a usage error.
 */
import { parseArgs } from 'node:util';
import { type DrillOptions, runDrill } from './runner';
import { findScenario, SCENARIOS } from './scenarios';

const USAGE = `usage: npm run drill -- <scenario|all> [options]

Scenarios:
${SCENARIOS.map((s) => `  ${s.name.padEnd(16)} ${s.summary}`).join('\n')}
  all              every scenario above except soak, one after the other

Options:
  --server URL            a running server started with RED_CORAL_DRILLS=1
                          (default: start one here on SQLite in a temp dir)
  --pin PIN               the manager's PIN on --server (default 1234)
  --clients N             clients (Chromium profiles) to run (default: the scenario's)
  --seconds N             length of the fault phase (default: the scenario's)
  --minutes N             soak: how long to soak
  --restart-command CMD   server-restart with --server: shell command that restarts it
  --allow-wipe            server-wipe with --server: yes, erase that server's data
  --writes-per-second N   pace of the back-office writer (default 4)
  --evidence DIR          where reports go (default test-results/drills)
`;

function positiveNumber(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new UsageError(`--${name} must be a positive number, got "${raw}"`);
  return value;
}

class UsageError extends Error {}

function parse(argv: string[]): { names: string[]; options: DrillOptions } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      server: { type: 'string' },
      pin: { type: 'string' },
      clients: { type: 'string' },
      seconds: { type: 'string' },
      minutes: { type: 'string' },
      'restart-command': { type: 'string' },
      'writes-per-second': { type: 'string' },
      evidence: { type: 'string' },
      'allow-wipe': { type: 'boolean' },
      list: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || values.list || positionals.length === 0) throw new UsageError('');
  if (positionals.length > 1)
    throw new UsageError(`one scenario at a time (or "all"), got ${positionals.join(' ')}`);
  const wanted = positionals[0]!;
  const names = wanted === 'all' ? SCENARIOS.filter((s) => s.name !== 'soak').map((s) => s.name) : [wanted];
  if (!findScenario(names[0]!)) throw new UsageError(`no scenario "${wanted}"`);
  if (values.server !== undefined && !/^https?:\/\/[^/]+\/?$/.test(values.server))
    throw new UsageError(`--server must be like http://192.168.1.10:8080, got "${values.server}"`);
  if (values.pin !== undefined && !/^\d{4,8}$/.test(values.pin))
    throw new UsageError('--pin must be 4 to 8 digits');
  const clients = positiveNumber('clients', values.clients);
  if (clients !== undefined && !Number.isInteger(clients))
    throw new UsageError('--clients must be a whole number');
  return {
    names,
    options: {
      serverUrl: values.server?.replace(/\/$/, '') ?? null,
      pin: values.pin ?? '1234',
      clients,
      seconds: positiveNumber('seconds', values.seconds),
      minutes: positiveNumber('minutes', values.minutes),
      restartCommand: values['restart-command'],
      allowWipe: values['allow-wipe'] ?? false,
      writesPerSecond: positiveNumber('writes-per-second', values['writes-per-second']),
      evidenceDir: values.evidence,
      progress: (line) => process.stdout.write(`${line}\n`),
    },
  };
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(process.argv.slice(2));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${message ? `${message}\n\n` : ''}${USAGE}`);
    return message ? 2 : 0;
  }
  const results: { name: string; pass: boolean }[] = [];
  for (const name of parsed.names) {
    process.stdout.write(`\n=== ${name} ===\n`);
    const report = await runDrill(findScenario(name)!, parsed.options);
    process.stdout.write(`\n${report.text}\n`);
    results.push({ name, pass: report.pass });
  }
  if (results.length > 1)
    process.stdout.write(`\n${results.map((r) => `${r.pass ? 'PASS' : 'FAIL'} ${r.name}`).join('\n')}\n`);
  return results.every((r) => r.pass) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(
      `drill failed to run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
