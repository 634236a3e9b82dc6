/**
 * Every QA drill at a short duration against a drill-mode server this file starts, in real
 * Chromium (docs/DRILLS.md). Each must PASS: every client converged to exactly the
 * server's data in time, no acknowledged write lost, the fault visibly exercised. Two
 * sabotaged drills prove the judge can say FAIL: a device whose stored data was corrupted
 * behind the engine's back, and a write the server never received.
 */
import { describe, expect, it } from 'vitest';
import { type DrillOptions, runDrill, type Scenario } from './runner';
import { findScenario, SCENARIOS } from './scenarios';
import { diagnosticsSlowdown } from './scenarios/soak';

const SHORT: DrillOptions = { serverUrl: null, pin: '1234' };

/** Fault phases in seconds: long enough for each fault to hit, short enough for `npm test`. */
const SECONDS: Record<string, number> = {
  'flaky-wifi': 8,
  'server-restart': 6,
  'server-wipe': 6,
  'duplicate-storm': 5,
  'gap-storm': 6,
  reordered: 5,
  'long-offline': 3,
  'tab-churn': 7,
  'quota-full': 5,
  soak: 20,
};

describe('QA drills', () => {
  for (const scenario of SCENARIOS)
    it(`${scenario.name} passes`, { timeout: 300_000 }, async () => {
      const report = await runDrill(scenario, { ...SHORT, seconds: SECONDS[scenario.name] });
      expect(report.failures, report.text).toEqual([]);
      expect(report.pass).toBe(true);
      expect(report.convergedInMs).not.toBeNull();
      expect(report.writes.acknowledged).toBeGreaterThan(0);
      expect(report.writes.lost).toEqual([]);
      for (const client of report.clients) {
        expect(client.comparison.converged, `${client.name}\n${report.text}`).toBe(true);
        expect(client.tabDigestsOk).toBe(true);
      }
      expect(report.text).toMatch(new RegExp(`\\nPASS ${scenario.name}$`));
    });
});

describe('the judge', () => {
  const base = findScenario('duplicate-storm')!;

  it('fails a device whose stored data no longer matches the server', { timeout: 120_000 }, async () => {
    const corrupted: Scenario = {
      ...base,
      name: 'sabotage-corrupted-device',
      evidence: [],
      async run(ctx) {
        // Remove a zone from the device's IndexedDB behind the engine's back: nothing will
        // tell the engine, so the device can never match the server again.
        await ctx.clients[0]!.first.evaluate(
          () =>
            new Promise<void>((resolve, reject) => {
              const open = indexedDB.open('red-coral');
              open.onsuccess = () => {
                const db = open.result;
                const tx = db.transaction('zone', 'readwrite');
                const store = tx.objectStore('zone');
                const keys = store.getAllKeys();
                keys.onsuccess = () => store.delete(keys.result[0]!);
                tx.oncomplete = () => {
                  db.close();
                  resolve();
                };
                tx.onerror = () => reject(tx.error);
              };
            }),
        );
        await ctx.sleep(1000);
      },
      convergeMs: 2000,
    };
    const report = await runDrill(corrupted, { ...SHORT, clients: 1 });
    expect(report.pass).toBe(false);
    expect(report.failures).toContain('clients did not converge within 5 s');
    const zone = report.clients[0]!.comparison.types.find((t) => t.resource === 'zone')!;
    expect(zone.ok).toBe(false);
    expect(zone.heldCount).toBe(zone.serverCount - 1);
    expect(report.text).toMatch(/zone .* DIFFERS: items differ/);
    expect(report.text).toMatch(/\nFAIL sabotage-corrupted-device$/);
  });

  it('fails a drill when a write the ledger expects is not on the server', { timeout: 120_000 }, async () => {
    const lost: Scenario = {
      ...base,
      name: 'sabotage-lost-write',
      evidence: [],
      async run(ctx) {
        const product = ctx.writer.spareProducts[0]!;
        ctx.ledger.record({
          resource: 'product',
          id: product.id,
          deleted: false,
          fields: { priceCents: 1 },
          by: 'tablet-1',
        });
        await ctx.sleep(500);
      },
    };
    const report = await runDrill(lost, { ...SHORT, clients: 1 });
    expect(report.pass).toBe(false);
    expect(report.writes.lost).toHaveLength(1);
    expect(report.writes.lost[0]).toMatch(/^product .*\.priceCents: tablet-1 wrote 1, server has \d+$/);
  });
});

describe('the soak judge', () => {
  it('fails tabs whose Diagnostics got over a second and three times slower, not either alone', () => {
    expect(diagnosticsSlowdown([400, 450, 500], [1300, 1400, 1500])).toBe(
      'Diagnostics got slower: 1400 ms at the median at the end, 450 ms after the warm-up (bound: 1000 ms or 3× the start)',
    );
    // Over a second, but the start was as slow (load): not a slowdown.
    expect(diagnosticsSlowdown([500, 600, 700], [1300, 1400, 1500])).toBeNull();
    // Three times slower, but quick (20 ms then 90 ms): not worth failing a soak for.
    expect(diagnosticsSlowdown([20, 20, 20], [80, 90, 100])).toBeNull();
  });
});
