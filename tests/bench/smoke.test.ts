/**
 * The benchmarks' smoke run: every benchmark at the smallest size against the real server
 * and Chromium, so they never rot. It checks that each produced well-formed, finite
 * figures (for the PouchDB comparison: exactly the figures issue 21 names, each with a
 * measured PouchDB side); it does not check the targets (those are goals for `npm run bench`).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Figure } from './lib/figures';
import { BENCHMARKS } from './lib/registry';
import { runBenchmarks } from './lib/runner';
import { removeAllDataDirs } from './lib/seed';

const KEYS = ['baseline', 'met', 'name', 'ratio', 'target', 'unit', 'value'];

/** Benchmarks whose figure names are fixed by their issue, in the order they report them. */
const NAMED: Record<string, string[]> = {
  peer_pouchdb: [
    'peer_initial_sync_ratio',
    'peer_initial_bytes_ratio',
    'peer_change_latency_ratio',
    'peer_restart_bytes',
    'peer_restart_wire_bytes',
    'peer_burst_jank',
  ],
};

describe('benchmarks at --size smoke', () => {
  afterAll(removeAllDataDirs);

  for (const bench of BENCHMARKS)
    it(`${bench.name} produces finite figures in the --out shape`, { timeout: 90_000 }, async () => {
      const [outcome] = await runBenchmarks([bench], 'smoke', () => undefined);
      expect(outcome!.error).toBeNull();
      expect(outcome!.results.length).toBeGreaterThan(0);
      const named = NAMED[bench.name];
      if (named) {
        expect(outcome!.results.map((r) => r.figure.name)).toEqual(named);
        for (const { figure } of outcome!.results) expect(figure.baseline).toBeGreaterThan(0);
      }
      for (const { figure } of outcome!.results) {
        const f: Figure = JSON.parse(JSON.stringify(figure));
        expect(Object.keys(f).sort()).toEqual(KEYS);
        expect(f.name.startsWith(bench.figurePrefix ?? bench.name)).toBe(true);
        expect(Number.isFinite(f.value)).toBe(true);
        expect(f.unit).not.toBe('');
        if (f.baseline !== null) expect(Number.isFinite(f.baseline)).toBe(true);
        if (f.target !== null) expect(typeof f.met).toBe('boolean');
        else expect(f.met).toBeNull();
      }
    });
});
