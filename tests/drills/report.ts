/**
 * A drill's report: the text printed and saved as `<scenario>.txt`, and the JSON evidence
 * (`<scenario>.json`, with the clients' full sync logs) for whoever investigates a FAIL.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SyncStatus } from '../../src/shared/protocol';
import type { LogLine } from './client';
import { formatComparison } from './evidence';
import type { DrillOptions, DrillReport, Scenario } from './runner';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Log kinds worth showing in a report: decisions and faults, not every applied event. */
const RELEVANT = new Set([
  'fault',
  'duplicate_ignored',
  'gap_caught_up',
  'too_old_reload',
  'epoch_changed',
  'digest_verified',
  'digest_mismatch',
  'full_refresh',
  'reset',
  'leader',
  'storage_error',
  'storage_ok',
  'stream_closed',
  'stream_open',
  'write_queued',
  'write_retried',
  'write_conflict',
  'write_failed',
  'write_discarded',
]);

export function countKinds(lines: LogLine[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const l of lines) counts[l.kind] = (counts[l.kind] ?? 0) + 1;
  return counts;
}

export function formatReport(
  scenario: Scenario,
  r: DrillReport,
  status: SyncStatus,
  logs: LogLine[][],
): string {
  const out = [`Drill ${scenario.name}: ${scenario.summary}`, ...r.steps.map((s) => `  ${s}`)];
  out.push(
    `  writes: ${r.writes.acknowledged} acknowledged (${r.writes.retried} retries), ${r.writes.checked} items checked on the server, ${r.writes.lost.length} lost`,
  );
  out.push(
    `  convergence: ${r.convergedInMs === null ? 'NOT reached' : `${(r.convergedInMs / 1000).toFixed(1)} s`} (limit ${r.convergeLimitMs / 1000} s); server epoch ${status.epoch}`,
  );
  for (const [key, value] of Object.entries(r.figures)) out.push(`  ${key}: ${JSON.stringify(value)}`);
  r.clients.forEach((c, i) => {
    out.push(`  ${c.name}${c.tabDigestsOk ? '' : ' (a tab shows stale data)'}:`);
    for (const line of formatComparison(c.comparison, status.epoch)) out.push(`    ${line}`);
    const counts = Object.entries(c.logCounts)
      .filter(([kind]) => RELEVANT.has(kind))
      .map(([kind, n]) => `${kind} ${n}`);
    out.push(`    sync log: ${counts.join(', ') || 'nothing relevant'}`);
    for (const line of logs[i]!.filter((l) => RELEVANT.has(l.kind)).slice(-12))
      out.push(
        `      ${new Date(line.at).toISOString().slice(11, 23)} ${line.kind.padEnd(17)} ${line.resource ?? ''} ${line.message}`,
      );
  });
  for (const f of r.failures) out.push(`  FAIL: ${f}`);
  out.push(`${r.pass ? 'PASS' : 'FAIL'} ${scenario.name}`);
  return out.join('\n');
}

export function writeEvidence(options: DrillOptions, report: DrillReport, logs: LogLine[][]): void {
  const dir = options.evidenceDir ?? join(projectRoot, 'test-results', 'drills');
  mkdirSync(dir, { recursive: true });
  const { text: _text, ...rest } = report;
  writeFileSync(join(dir, `${report.scenario}.json`), `${JSON.stringify({ ...rest, logs }, null, 2)}\n`);
  writeFileSync(join(dir, `${report.scenario}.txt`), `${report.text}\n`);
}
