/** Runs a selection of benchmarks one after another; a failing one is reported, not fatal. */
import type { BenchContext, Benchmark } from './bench';
import type { Result } from './figures';
import { BENCHMARKS } from './registry';
import type { Size } from './sizes';

export interface BenchOutcome {
  name: string;
  what: string;
  results: Result[];
  /** Why it produced no figures. */
  error: string | null;
  seconds: number;
}

export function selectBenchmarks(only: string[] | null): Benchmark[] {
  if (!only) return BENCHMARKS;
  const unknown = only.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length > 0)
    throw new Error(
      `unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`,
    );
  return BENCHMARKS.filter((b) => only.includes(b.name));
}

export async function runBenchmarks(
  benchmarks: Benchmark[],
  size: Size,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<BenchOutcome[]> {
  const outcomes: BenchOutcome[] = [];
  for (const bench of benchmarks) {
    const ctx: BenchContext = { size, log: (m) => log(`  ${bench.name}: ${m}`) };
    log(`▶ ${bench.name} (${size})`);
    const started = performance.now();
    let results: Result[] = [];
    let error: string | null = null;
    try {
      results = await bench.run(ctx);
    } catch (err) {
      error = err instanceof Error ? (err.stack ?? err.message) : String(err);
      log(`  ${bench.name} failed: ${error}`);
    }
    const seconds = (performance.now() - started) / 1000;
    log(`  ${bench.name}: ${seconds.toFixed(1)} s`);
    outcomes.push({ name: bench.name, what: bench.what, results, error, seconds });
  }
  return outcomes;
}
