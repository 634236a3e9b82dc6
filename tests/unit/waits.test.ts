/**
 * The suite's own hygiene: a test that waits for something that depends on scheduling, a
 * browser or a server must not fail by chance on a loaded 2-core machine. So, in every
 * test file:
 * - `vi.waitFor` is not called directly (its default gives up after 1 s): `until` /
 *   `untilTrue` from tests/helpers/wait.ts wait up to WAIT_MS;
 * - a wait with a `timeout` under MIN_TIMEOUT_MS says why on its line or the line above
 *   (`// timing: ...`): only a latency the test asserts ("within 1 s") may be short;
 * - a fixed sleep (`waitForTimeout`, `new Promise(... setTimeout ...)`) says why
 *   (`// wait-ok: ...`): an observation window ("nothing reloads meanwhile") or time that
 *   must pass (a lock expiring), never synchronisation.
 * expect.poll takes its default timeout from vitest.config.ts (WAIT_MS).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Where tests live; drills and benchmarks pace themselves on purpose and are not tests of timing. */
const TEST_DIRS = [
  'tests/unit',
  'tests/server',
  'tests/integration',
  'tests/hostile',
  'tests/e2e',
  'tests/engines',
  'src',
];
const HELPER = 'tests/helpers/wait.ts';
const MIN_TIMEOUT_MS = 5_000;

function testFiles(dir: string): string[] {
  const abs = join(root, dir);
  let names: string[];
  try {
    names = readdirSync(abs);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(abs, name);
    if (statSync(path).isDirectory()) return testFiles(relative(root, path));
    const isTest = name.endsWith('.ts') && (dir.startsWith('src') ? name.endsWith('.test.ts') : true);
    return isTest ? [relative(root, path)] : [];
  });
}

interface Finding {
  file: string;
  line: number;
  problem: string;
}

/** Whether the node's lines, or the comment lines right above its statement, carry `marker`. */
function annotated(sf: ts.SourceFile, node: ts.Node, marker: string): boolean {
  let statement: ts.Node = node;
  while (statement.parent && !ts.isStatement(statement) && !ts.isSourceFile(statement.parent))
    statement = statement.parent;
  const lines = sf.text.split('\n');
  let first = sf.getLineAndCharacterOfPosition(statement.getStart(sf)).line;
  const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
  while (first > 0 && lines[first - 1]!.trim().startsWith('//')) first--;
  return lines.slice(first, last + 1).some((l) => l.includes(marker));
}

function numberOf(node: ts.Expression): number | null {
  return ts.isNumericLiteral(node) ? Number(node.text.replaceAll('_', '')) : null;
}

function findWaitProblems(file: string, text: string): Finding[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: Finding[] = [];
  const report = (node: ts.Node, problem: string) =>
    found.push({ file, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, problem });
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression.getText(sf);
      if (callee === 'vi.waitFor' && file !== HELPER)
        report(node, 'vi.waitFor gives up after 1 s by default: use until() from tests/helpers/wait.ts');
      if (callee.endsWith('.waitForTimeout') && !annotated(sf, node, 'wait-ok:'))
        report(node, 'a fixed sleep: wait for an event instead, or say why with // wait-ok:');
      if (
        callee === 'setTimeout' &&
        node.parent &&
        ts.isArrowFunction(node.parent) &&
        node.parent.parent &&
        ts.isNewExpression(node.parent.parent) &&
        !annotated(sf, node, 'wait-ok:')
      )
        report(node, 'a fixed sleep: wait for an event instead, or say why with // wait-ok:');
    }
    if (
      ts.isPropertyAssignment(node) &&
      node.name.getText(sf) === 'timeout' &&
      (numberOf(node.initializer) ?? Number.POSITIVE_INFINITY) < MIN_TIMEOUT_MS &&
      !annotated(sf, node, 'timing:')
    )
      report(
        node,
        `a ${node.initializer.getText(sf)} ms wait fails by chance on a loaded machine: say why with // timing:`,
      );
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe('waits in the test suite', () => {
  it('none gives up early or sleeps to synchronise without saying why', () => {
    const files = TEST_DIRS.flatMap(testFiles);
    expect(files.length).toBeGreaterThan(40);
    const problems = files.flatMap((f) => findWaitProblems(f, readFileSync(join(root, f), 'utf8')));
    expect(problems.map((p) => `${p.file}:${p.line}: ${p.problem}`)).toEqual([]);
  });

  it('the checker itself catches each kind of problem', () => {
    const sample = [
      'await vi.waitFor(() => expect(x).toBe(1));',
      'await page.waitForTimeout(500);',
      'await new Promise((r) => setTimeout(r, 50));',
      'await el.waitFor({ timeout: 2_000 });',
      '// timing: the contract says within 1 s',
      'await el.waitFor({ timeout: 1_000 });',
      'await new Promise((r) => setTimeout(r, 300)); // wait-ok: nothing may arrive meanwhile',
      'await el.waitFor({ timeout: 15_000 });',
    ].join('\n');
    expect(findWaitProblems('tests/unit/sample.test.ts', sample).map((p) => p.line)).toEqual([1, 2, 3, 4]);
  });
});
