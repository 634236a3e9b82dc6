/**
 * Runs one drill end to end and judges it (docs/DRILLS.md):
 *
 *   server (a running one in drill mode, or one started here) → clients sign in and
 *   converge → the scenario injects its faults while the writer keeps editing → faults
 *   lifted → every client must converge to exactly the server's data within the stated
 *   time, with every acknowledged write on the server and every device's outbox empty,
 *   and the sync logs must show the fault was actually exercised.
 *
 * The report lists what each client held (versions and digests next to the server's),
 * the relevant sync-log lines, the drill's own steps, and PASS or FAIL with the reasons.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import type { SyncStatus } from '../../src/shared/protocol';
import { type Item, RESOURCE_NAMES, type ResourceName } from '../../src/shared/resources';
import { buildAppOnce, launchBrowser } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';
import { DrillClient } from './client';
import { compare, type DeviceComparison } from './evidence';
import { ApiSession, DrillControl, signInAt, syncStatusAt } from './http';
import { mapLimited, passAllowanceMs, READ_CONCURRENCY, readingNote } from './pace';
import { countKinds, formatReport, writeEvidence } from './report';
import { Ledger, Writer } from './writer';

export interface DrillOptions {
  /** A running server started with RED_CORAL_DRILLS=1; null: start one here (SQLite, temp dir). */
  serverUrl: string | null;
  /** The manager's PIN on that server (a server started here uses 1234). */
  pin: string;
  /** Clients (devices) to run; default the scenario's. */
  clients?: number;
  /** Length of the fault phase; default the scenario's. */
  seconds?: number;
  /** Soak only: minutes of continuous writes. */
  minutes?: number;
  /** server-restart on a server not started here: the shell command that restarts it. */
  restartCommand?: string;
  /** server-wipe on a server not started here: it erases that server's data, so it must be asked for. */
  allowWipe?: boolean;
  /** The writer's pace. */
  writesPerSecond?: number;
  /** Progress lines as the drill goes. */
  progress?: (line: string) => void;
  /** Where the JSON evidence goes; default test-results/drills. */
  evidenceDir?: string;
}

/** What a scenario gets to work with. */
export interface DrillContext {
  server: {
    url: string;
    /** Started by this runner: it can be stopped and started. */
    managed: TestServer | null;
    heartbeatMs: number;
    /** Changes kept per type in the server's log, when known (managed servers). */
    retention: number | null;
  };
  /** The manager's session: control API and writes. Its token changes after a wipe. */
  admin: ApiSession;
  control: DrillControl;
  writer: Writer;
  ledger: Ledger;
  clients: DrillClient[];
  /** The manager's PIN (a wipe may change it when the server has no RED_CORAL_ADMIN_PIN). */
  pin: string;
  /** Length of the fault phase in ms. */
  durationMs: number;
  options: DrillOptions;
  /** Notes a step of the drill in the report, with the time since the start. */
  step(text: string): void;
  sleep(ms: number): Promise<void>;
  /**
   * Takes a client off the network, as a Wi-Fi drop does. Chromium's offline emulation
   * fails new requests but leaves an open event stream alive (heartbeats keep arriving),
   * which a real drop does not; so the client's streams are also cut on the server.
   */
  goOffline(client: DrillClient): Promise<void>;
  /** Staff change a product's price on a tablet (Manage form, outbox); the ledger expects it on the server. */
  editPrice(client: DrillClient, productId: string, cents: number): Promise<void>;
  /** Stops and starts the server (managed), or runs --restart-command. */
  restartServer(): Promise<void>;
  /** A problem the scenario saw itself; it fails the drill. */
  problem(text: string): void;
  /** Extra figures for the report (soak). */
  figures: Record<string, unknown>;
}

export interface Scenario {
  name: string;
  /** One line for --list and the report. */
  summary: string;
  clients: number;
  /** Tabs per client. */
  tabs?: number;
  /** Default length of the fault phase. */
  seconds: number;
  /** Time allowed for convergence once faults are lifted, on top of three heartbeats. */
  convergeMs: number;
  /**
   * Proof the fault was exercised: for each group, some client's sync log must hold a line
   * of one of its kinds.
   */
  evidence: string[][];
  /** Why this drill cannot run with these options (checked before anything starts), or null. */
  cannotRun?(options: DrillOptions): string | null;
  run(ctx: DrillContext): Promise<void>;
}

export interface DrillReport {
  scenario: string;
  pass: boolean;
  failures: string[];
  text: string;
  convergedInMs: number | null;
  convergeLimitMs: number;
  writes: { acknowledged: number; retried: number; checked: number; lost: string[] };
  clients: {
    name: string;
    comparison: DeviceComparison;
    tabDigestsOk: boolean;
    logCounts: Record<string, number>;
  }[];
  steps: string[];
  figures: Record<string, unknown>;
}

/** Settings of a server the runner starts: quick heartbeats and a short log, so drills are quick. */
export const MANAGED_SERVER = { heartbeatMs: 1000, retention: 100, pin: '1234' };

async function startManagedServer(): Promise<TestServer> {
  await buildAppOnce();
  return startServer({
    adminPin: MANAGED_SERVER.pin,
    env: {
      RED_CORAL_DRILLS: '1',
      RED_CORAL_HEARTBEAT_MS: String(MANAGED_SERVER.heartbeatMs),
      RED_CORAL_LOG_RETENTION: String(MANAGED_SERVER.retention),
      RED_CORAL_SCRYPT_N: '1024',
    },
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Every item of every type on the server, by type and id. */
async function serverItems(admin: ApiSession): Promise<Map<ResourceName, Map<string, Item>>> {
  const lists = await Promise.all(RESOURCE_NAMES.map((r) => admin.list(r)));
  return new Map(RESOURCE_NAMES.map((r, i) => [r, new Map(lists[i]!.items.map((item) => [item.id, item]))]));
}

/** Polls until every client holds the server's data; returns the comparisons at the end. */
async function awaitConvergence(
  admin: ApiSession,
  clients: DrillClient[],
  limitMs: number,
): Promise<{ ms: number | null; status: SyncStatus; comparisons: DeviceComparison[] }> {
  const started = Date.now();
  for (;;) {
    const status = await syncStatusAt(admin.baseUrl);
    const comparisons = await mapLimited(clients, async (c) => compare(status, await c.held()));
    if (comparisons.every((c) => c.converged)) return { ms: Date.now() - started, status, comparisons };
    if (Date.now() - started > limitMs) return { ms: null, status, comparisons };
    await sleep(250);
  }
}

export async function runDrill(scenario: Scenario, options: DrillOptions): Promise<DrillReport> {
  const progress = options.progress ?? (() => undefined);
  const started = Date.now();
  const steps: string[] = [];
  const failures: string[] = [];
  const figures: Record<string, unknown> = {};
  const step = (text: string) => {
    const line = `+${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${text}`;
    steps.push(line);
    progress(line);
  };

  let managed: TestServer | null = null;
  let browser: Browser | null = null;
  const clients: DrillClient[] = [];
  const pageErrors: string[] = [];
  try {
    const refusal = scenario.cannotRun?.(options);
    if (refusal) throw new Error(refusal);
    if (options.serverUrl === null) {
      step('starting a drill-mode server (SQLite, temp dir, 1 s heartbeats, 100 changes kept per type)');
      managed = await startManagedServer();
    }
    const url = managed?.url ?? options.serverUrl!;
    const pin = managed ? MANAGED_SERVER.pin : options.pin;
    const admin = new ApiSession(url, (await signInAt(url, pin)).token);
    const control = new DrillControl(admin);
    const state = await control.state();
    await control.clear();
    const ledger = new Ledger();
    const writer = new Writer(admin, ledger, options.writesPerSecond ?? 4);
    await writer.prepare();

    browser = await launchBrowser();
    const probe = await browser.newPage();
    const userAgent = await probe.evaluate(() => navigator.userAgent);
    await probe.close();
    const count = options.clients ?? scenario.clients;
    step(`opening ${count} client${count === 1 ? '' : 's'} on ${url} (epoch ${state.epoch.slice(0, 8)})`);
    for (let i = 1; i <= count; i++) {
      const client = await DrillClient.open(browser, url, `tablet-${i}`, userAgent);
      client.context.on('weberror', (e) => pageErrors.push(`${client.name}: ${e.error().message}`));
      for (let t = 1; t < (scenario.tabs ?? 1); t++) await client.openTab();
      clients.push(client);
    }
    // Sign in a few at a time: fifty scrypt checks at once would be a drill of its own.
    await mapLimited(clients, (c) => c.signIn(pin, 60_000), READ_CONCURRENCY);
    if (clients.length > READ_CONCURRENCY) step(readingNote(clients.length));
    const baseline = await awaitConvergence(admin, clients, 30_000 + passAllowanceMs(clients.length));
    if (baseline.ms === null) throw new Error('the clients did not converge before any fault was injected');
    step(`all clients hold the server's data; fault phase: ${scenario.name}`);

    const ctx: DrillContext = {
      server: {
        url,
        managed,
        heartbeatMs: state.heartbeatMs,
        retention: managed ? MANAGED_SERVER.retention : null,
      },
      admin,
      control,
      writer,
      ledger,
      clients,
      pin,
      durationMs: (options.seconds ?? scenario.seconds) * 1000,
      options,
      step,
      sleep,
      goOffline: async (client) => {
        await client.setOffline(true);
        await control.cut(client.userAgentTag);
      },
      editPrice: async (client, productId, cents) => {
        await client.editPrice(productId, cents);
        ledger.record({
          resource: 'product',
          id: productId,
          deleted: false,
          fields: { priceCents: cents },
          by: client.name,
        });
      },
      restartServer: async () => {
        if (managed) return managed.restart();
        if (!options.restartCommand)
          throw new Error(
            'server-restart on a server not started by the drill needs --restart-command "<cmd>"',
          );
        await promisify(execFile)('sh', ['-c', options.restartCommand], { timeout: 120_000 });
      },
      problem: (text) => failures.push(text),
      figures,
    };
    writer.start();
    try {
      await scenario.run(ctx);
    } finally {
      await control.clear().catch(() => undefined);
      for (const c of clients) {
        await c.setOffline(false);
        await c.setQuotaFull(false).catch(() => undefined);
      }
      await writer.stop().catch((err: Error) => failures.push(`writer: ${err.message}`));
    }
    step(`faults lifted; ${writer.acknowledged} writes acknowledged by the server`);

    // Reading every client takes longer the more there are: the limit grows by that pass, not by the drill's rules.
    const reading = passAllowanceMs(clients.length);
    const limitMs = scenario.convergeMs + 3 * ctx.server.heartbeatMs + reading;
    const result = await awaitConvergence(ctx.admin, clients, limitMs);
    if (result.ms === null) failures.push(`clients did not converge within ${limitMs / 1000} s`);
    else
      step(
        `converged in ${(result.ms / 1000).toFixed(1)} s (limit ${limitMs / 1000} s${reading > 0 ? `, of which ${reading / 1000} s for reading ${clients.length} clients ${READ_CONCURRENCY} at a time` : ''})`,
      );

    const lost = ledger.lostWrites(await serverItems(ctx.admin));
    failures.push(...lost.map((l) => `lost write: ${l}`));

    // The in-memory state of every open tab (what staff see), not only IndexedDB.
    step('checking what every tab shows, and the sync logs');
    const tabProblems = await mapLimited(clients, (c) => c.tabDigestsMatch(result.status.digests));
    tabProblems.forEach((problems, i) => {
      for (const p of problems) failures.push(`${clients[i]!.name}: ${p}`);
    });
    const tabsOk = tabProblems.map((p) => p.length === 0);

    const logs = await mapLimited(clients, (c) => c.log());
    for (const group of scenario.evidence)
      if (!logs.some((lines) => lines.some((l) => group.includes(l.kind))))
        failures.push(`no client logged ${group.join(' or ')}: the fault was not exercised`);
    failures.push(...pageErrors.map((e) => `uncaught error in the app: ${e}`));

    const report: DrillReport = {
      scenario: scenario.name,
      pass: failures.length === 0,
      failures,
      text: '',
      convergedInMs: result.ms,
      convergeLimitMs: limitMs,
      writes: { acknowledged: writer.acknowledged, retried: writer.retries, checked: ledger.size, lost },
      clients: clients.map((c, i) => ({
        name: c.name,
        comparison: result.comparisons[i]!,
        tabDigestsOk: tabsOk[i]!,
        logCounts: countKinds(logs[i]!),
      })),
      steps,
      figures,
    };
    report.text = formatReport(scenario, report, result.status, logs);
    writeEvidence(options, report, logs);
    return report;
  } catch (err) {
    failures.push(err instanceof Error ? err.message : String(err));
    const report: DrillReport = {
      scenario: scenario.name,
      pass: false,
      failures,
      text: '',
      convergedInMs: null,
      convergeLimitMs: scenario.convergeMs,
      writes: { acknowledged: 0, retried: 0, checked: 0, lost: [] },
      clients: [],
      steps,
      figures,
    };
    report.text = [
      `Drill ${scenario.name}: ${scenario.summary}`,
      ...steps.map((s) => `  ${s}`),
      ...failures.map((f) => `  FAIL: ${f}`),
      `FAIL ${scenario.name}`,
    ].join('\n');
    return report;
  } finally {
    for (const c of clients) await c.close();
    await browser?.close().catch(() => undefined);
    await managed?.stop().catch(() => undefined);
  }
}
