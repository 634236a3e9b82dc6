/**
 * The console table and docs/BENCHMARKS.md. The doc's generated part sits between
 * markers and is rewritten on every full run; the hand-written analysis after it is kept.
 * The generated part embeds its data, so a run of a few benchmarks (--only) updates
 * their figures and keeps the others'.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { type Figure, shortfall } from './figures';
import type { Machine } from './machine';
import { BENCHMARKS } from './registry';
import type { BenchOutcome } from './runner';
import type { Size } from './sizes';

const BEGIN = '<!-- bench:begin -->';
const END = '<!-- bench:end -->';
const DATA = /<!-- bench:data (.*?) -->/s;

export interface StoredOutcome extends BenchOutcome {
  /** When this benchmark was measured (ISO). */
  at: string;
}

interface DocData {
  size: Size;
  machine: Machine;
  outcomes: StoredOutcome[];
}

const fmt = (v: number | null) =>
  v === null ? '—' : Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: 4 }) : String(v);
const metText = (f: Figure) => (f.met === null ? '—' : f.met ? 'yes' : '**no**');

/** A plain-text table for the terminal. */
export function formatTable(outcomes: BenchOutcome[]): string {
  const rows = [['figure', 'value', 'unit', 'baseline', 'ratio', 'target', 'met']];
  for (const o of outcomes) {
    if (o.error) rows.push([o.name, 'FAILED', '', '', '', '', o.error.split('\n')[0]!.slice(0, 60)]);
    for (const { figure: f } of o.results)
      rows.push([
        f.name,
        fmt(f.value),
        f.unit,
        fmt(f.baseline),
        fmt(f.ratio),
        f.target ?? '',
        f.met === null ? '' : f.met ? 'yes' : 'NO',
      ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function readData(path: string): DocData | null {
  if (!existsSync(path)) return null;
  const m = DATA.exec(readFileSync(path, 'utf8'));
  if (!m) return null;
  try {
    return JSON.parse(m[1]!.replaceAll('-\\u002d', '--')) as DocData;
  } catch {
    return null;
  }
}

function generated(data: DocData, reproduce: string): string {
  const { machine } = data;
  const dates = [...new Set(data.outcomes.map((o) => o.at.slice(0, 10)))].sort();
  const out: string[] = [];
  out.push(BEGIN);
  out.push('');
  out.push(
    `Measured ${dates.join(' and ')} at size \`${data.size}\` on: ${machine.cores} cores (${machine.cpu}), ` +
      `${machine.memoryGiB} GiB memory, ${machine.os}, Node ${machine.node}, Chromium ${machine.chromium}.`,
  );
  out.push('');
  out.push('## Figures');
  out.push('');
  out.push('| figure | value | baseline (naive way, same run) | ratio | target | met |');
  out.push('|---|---|---|---|---|---|');
  for (const o of data.outcomes) {
    if (o.error) out.push(`| ${o.name} | did not run | — | — | — | **no** |`);
    for (const { figure: f } of o.results)
      out.push(
        `| ${f.name} | ${fmt(f.value)} ${f.unit} | ${fmt(f.baseline)} ${f.baseline === null ? '' : f.unit} | ${fmt(f.ratio)} | ${f.target ?? '—'} | ${metText(f)} |`,
      );
  }
  out.push('');
  out.push('## What each figure is, against what');
  out.push('');
  for (const o of data.outcomes) {
    out.push(`### ${o.name}`);
    out.push('');
    out.push(`${o.what}. Measured ${o.at.slice(0, 16).replace('T', ' ')} UTC in ${o.seconds.toFixed(0)} s.`);
    out.push('');
    if (o.error) out.push(`Did not run: \`${o.error.split('\n')[0]}\``);
    for (const r of o.results) {
      out.push(
        `- **${r.figure.name}** = ${fmt(r.figure.value)} ${r.figure.unit}. Baseline: ${r.baselineIs}.`,
      );
      out.push(`  ${r.detail}.`);
    }
    out.push('');
  }
  const missed = data.outcomes.flatMap((o) => o.results.filter((r) => r.figure.met === false));
  out.push('## Missed targets');
  out.push('');
  if (missed.length === 0 && data.outcomes.every((o) => !o.error)) out.push('None.');
  for (const r of missed)
    out.push(
      `- **${r.figure.name}** (${r.figure.target}): ${shortfall(r.figure)}. Cause and fix: see *Analysis* below.`,
    );
  for (const o of data.outcomes.filter((x) => x.error)) out.push(`- **${o.name}** did not run (see above).`);
  out.push('');
  out.push('## How to reproduce');
  out.push('');
  out.push(reproduce);
  out.push('');
  // `--` cannot appear inside an HTML comment.
  out.push(`<!-- bench:data ${JSON.stringify(data).replaceAll('--', '-\\u002d')} -->`);
  out.push(END);
  return out.join('\n');
}

const REPRODUCE = [
  '```sh',
  'npm install',
  'npm run bench                      # every benchmark at full size; rewrites this file',
  'npm run bench -- --quick           # reduced sizes, under 3 minutes; prints only',
  'npm run bench -- --only fanout_1k,status_rps --out figures.json',
  '```',
  '',
  'Each benchmark starts the real server (`tests/helpers/server.ts`) on 127.0.0.1 with a',
  "fresh SQLite file seeded through the server's own storage module (fanout_2x: two",
  'instances on a fresh database of a throwaway PostgreSQL cluster, `tests/helpers/postgres.ts`,',
  'which needs PostgreSQL installed: `apt-get install -y postgresql`), and real clients:',
  'Chromium (playwright-core; `CHROMIUM_PATH`, else /usr/bin/chromium, else',
  '@sparticuz/chromium) where the browser is measured, autocannon and raw SSE/HTTP clients',
  'in forked Node processes for load. peer_pouchdb runs PouchDB beside us: express-pouchdb',
  '(in-memory PouchDB) in a forked process and pouchdb-browser in its own Chromium profile,',
  'each server behind a byte-counting TCP relay; its baseline is PouchDB, not a naive client.',
  'Sources: `tests/bench/`. `--out FILE` writes the',
  'figures as JSON (`{ name, value, unit, baseline, ratio, target, met }`).',
].join('\n');

const HEADER = `# Benchmarks

Performance figures of Red Coral, each against a naive baseline measured in the same run.
The part between the \`bench:begin\` / \`bench:end\` markers is rewritten by \`npm run bench\`;
the analysis after it is written by hand from what the runs showed.
`;

/** Rewrites the generated part of the doc, merging with stored figures of the same size. */
export function writeDoc(path: string, outcomes: BenchOutcome[], machine: Machine, size: Size): void {
  const at = new Date().toISOString();
  const previous = readData(path);
  const fresh: StoredOutcome[] = outcomes.map((o) => ({ ...o, at }));
  const kept =
    previous && previous.size === size
      ? previous.outcomes.filter((o) => !fresh.some((f) => f.name === o.name))
      : [];
  // Registry order, whichever run measured a benchmark; names no longer registered last.
  const order = (name: string) => {
    const i = BENCHMARKS.findIndex((b) => b.name === name);
    return i === -1 ? 1000 + kept.findIndex((k) => k.name === name) : i;
  };
  const merged = [...kept, ...fresh].sort((a, b) => order(a.name) - order(b.name));
  const block = generated({ size, machine, outcomes: merged }, REPRODUCE);
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const begin = existing.indexOf(BEGIN);
  const end = existing.indexOf(END);
  const text =
    begin >= 0 && end > begin
      ? `${existing.slice(0, begin)}${block}${existing.slice(end + END.length)}`
      : `${HEADER}\n${block}\n\n## Analysis\n\n(Written by hand after a full run.)\n`;
  writeFileSync(path, text);
}
