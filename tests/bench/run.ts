/**
 * `npm run bench [-- --quick] [-- --size full|quick|smoke] [-- --only a,b] [-- --out FILE]
 * [-- --doc | --no-doc]`: runs the benchmarks, prints a table, writes JSON with --out, and
 * rewrites docs/BENCHMARKS.md after a full-size run (or when --doc is given).
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine } from './lib/machine';
import { formatTable, writeDoc } from './lib/report';
import { runBenchmarks, selectBenchmarks } from './lib/runner';
import { SIZES, type Size } from './lib/sizes';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Args {
  size: Size;
  only: string[] | null;
  out: string | null;
  doc: boolean;
}

function parseArgs(argv: string[]): Args {
  let size: Size = 'full';
  let only: string[] | null = null;
  let out: string | null = null;
  let doc: boolean | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--quick') size = 'quick';
    else if (arg === '--size') {
      const v = value();
      if (!SIZES.includes(v as Size)) throw new Error(`--size must be one of ${SIZES.join(', ')}`);
      size = v as Size;
    } else if (arg === '--only') only = value().split(',').filter(Boolean);
    else if (arg === '--out') out = value();
    else if (arg === '--doc') doc = true;
    else if (arg === '--no-doc') doc = false;
    else throw new Error(`unknown argument ${arg}`);
  }
  // Quick and smoke figures must not replace the full ones in the doc unless asked.
  return { size, only, out, doc: doc ?? size === 'full' };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const benchmarks = selectBenchmarks(args.only);
  const started = performance.now();
  const outcomes = await runBenchmarks(benchmarks, args.size);
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `\n${formatTable(outcomes)}\n\n${benchmarks.length} benchmark(s) in ${seconds.toFixed(0)} s\n`,
  );
  // The details behind each figure: what the doc's analysis is written from.
  for (const o of outcomes)
    for (const r of o.results)
      process.stdout.write(`\n${r.figure.name}: ${r.detail}\n  baseline: ${r.baselineIs}\n`);
  if (args.out) {
    writeFileSync(
      args.out,
      `${JSON.stringify(
        outcomes.flatMap((o) => o.results.map((r) => r.figure)),
        null,
        2,
      )}\n`,
    );
    process.stdout.write(`figures written to ${args.out}\n`);
  }
  if (args.doc) {
    const path = join(projectRoot, 'docs', 'BENCHMARKS.md');
    writeDoc(path, outcomes, await describeMachine(), args.size);
    process.stdout.write(`${path} rewritten\n`);
  }
  process.exitCode = outcomes.some((o) => o.error) ? 1 : 0;
}

main().then(
  // Children and browsers are closed by each benchmark; exit even if a handle lingers.
  () => setTimeout(() => process.exit(), 100).unref(),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
