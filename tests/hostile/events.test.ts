/**
 * Generated event sequences at the sync engine: the in-memory fake server of the unit
 * tests holds the ground truth (items, versions, history, epoch), and fast-check decides
 * what it commits and what the stream delivers — duplicates, gaps, reorderings, events of
 * an epoch that is gone, deletes of ids the client never had, snapshots racing commits.
 * Whatever arrives, after a reconnect check the engine holds exactly the server's state.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { digestOf } from '../../src/shared/digest';
import type { SyncEvent } from '../../src/shared/protocol';
import { RESOURCES, type ResourceName } from '../../src/shared/resources';
import type { SyncEngine } from '../../src/sync/types';
import { until } from '../helpers/wait';
import { FakeServer } from '../unit/support/fakeServer';
import { makeEngine } from '../unit/support/setup';

const TYPES = ['zone', 'tag'] as const satisfies readonly ResourceName[];
type Type = (typeof TYPES)[number];
const SLOTS = 4;

type Step =
  | { kind: 'commit'; type: Type; slot: number; remove: boolean; push: boolean }
  | { kind: 'deliver'; type: Type; picks: number[] }
  | { kind: 'restart' }
  | { kind: 'wipe'; keep: boolean[] }
  | { kind: 'heartbeat' }
  | { kind: 'prune'; type: Type }
  | { kind: 'race'; type: Type; slot: number; remove: boolean }
  | { kind: 'tick'; ms: number };

const typeArb = fc.constantFrom(...TYPES);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('commit' as const),
      type: typeArb,
      slot: fc.nat({ max: SLOTS - 1 }),
      remove: fc.boolean(),
      push: fc.boolean(),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('deliver' as const),
      type: typeArb,
      // Indices into the type's whole history (any epoch): repeats, gaps and any order.
      picks: fc.array(fc.nat({ max: 40 }), { minLength: 1, maxLength: 6 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('wipe' as const),
      keep: fc.array(fc.boolean(), { minLength: SLOTS, maxLength: SLOTS }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'heartbeat' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('prune' as const), type: typeArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('race' as const),
      type: typeArb,
      slot: fc.nat({ max: SLOTS - 1 }),
      remove: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.nat({ max: 5 }) }) },
);

/** Fields of a valid item of each type; `n` makes every change a real change. */
function fields(type: Type, id: string, n: number): { id: string } & Record<string, unknown> {
  return type === 'zone'
    ? { id, name: `Zone ${n}`, sortOrder: n }
    : { id, name: `Tag ${n}`, color: `#${(n % 0xffffff).toString(16).padStart(6, '0')}` };
}

/** The server side of a scenario: the fake server, plus every event it ever made. */
class Scenario {
  readonly server = new FakeServer();
  /** All events of each type across epochs, in commit order: what a stream could (re)deliver. */
  readonly sent: Record<Type, SyncEvent[]> = { zone: [], tag: [] };
  /**
   * Whether the database was wiped and reseeded. Item versions then restart from 1, and an
   * engine whose digest matches keeps its items with their old-epoch `version` fields (the
   * digest leaves versions out by design); only the data is compared per item then.
   */
  wiped = false;
  private n = 0;

  constructor() {
    this.server.autoPush = false;
    for (const type of TYPES)
      for (let slot = 0; slot < 2; slot++) this.commit({ type, slot, remove: false, push: false });
  }

  /** Creates, updates or deletes slot `slot`; a delete of an absent id is a delete the client never saw. */
  commit(step: { type: Type; slot: number; remove: boolean; push: boolean }): void {
    const id = `${step.type}-${step.slot}`;
    const exists = this.server.items[step.type].has(id);
    const action = step.remove ? 'deleted' : exists ? 'updated' : 'created';
    const event = this.server.commit(step.type, action, fields(step.type, id, ++this.n));
    this.sent[step.type].push(event);
    if (step.push) this.server.deliver(event);
  }

  deliver(type: Type, picks: number[]): void {
    const all = this.sent[type];
    if (all.length === 0) return;
    for (const p of picks) this.server.deliver(all[p % all.length]!);
  }

  /** A new database seeded with a subset of today's items: new epoch, history from v1. */
  wipe(keep: boolean[]): void {
    const seed: Partial<Record<ResourceName, Record<string, unknown>[]>> = {};
    for (const type of TYPES) {
      seed[type] = [...this.server.items[type].values()]
        .filter((item) => keep[Number(item.id.split('-')[1])] ?? true)
        .map(({ version: _v, ...rest }) => rest);
    }
    this.server.wipe(seed);
    this.wiped = true;
    for (const type of TYPES) this.sent[type].push(...this.server.history[type]);
  }
}

const engines: SyncEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop()));
});

/** Runs a step against the server model and the engine listening to it. */
async function run(s: Scenario, engine: SyncEngine, step: Step): Promise<void> {
  const { server } = s;
  switch (step.kind) {
    case 'commit':
      return s.commit(step);
    case 'deliver':
      return s.deliver(step.type, step.picks);
    case 'restart':
      return server.restart();
    case 'wipe':
      return s.wipe(step.keep);
    case 'heartbeat':
      return server.heartbeat();
    case 'prune':
      // The server forgets this type's history: catch-up below it answers 410.
      server.keepsFrom[step.type] = server.versions[step.type];
      return;
    case 'race': {
      // A snapshot is in flight when a change commits and is pushed live.
      const collection = RESOURCES[step.type].collection;
      const gate = server.gate((r) => r.method === 'GET' && r.path === collection);
      const loading = engine.stores[step.type].getState().fetchAll(true);
      await Promise.race([gate.waiting, loading]);
      s.commit({ ...step, push: true });
      gate.open();
      await loading;
      return;
    }
    case 'tick':
      // wait-ok: a generated step: time passing is part of the sequence under test.
      await new Promise((r) => setTimeout(r, step.ms));
      return;
  }
}

/** What the engine holds of each type, and what the server says it should hold. */
function compare(s: Scenario, engine: SyncEngine) {
  const sortById = <T extends { id: string }>(items: T[]) =>
    [...items].sort((a, b) => a.id.localeCompare(b.id));
  const itemsOf = (items: { id: string; version: number }[]) =>
    sortById(s.wiped ? items.map(({ version: _v, ...rest }) => rest) : items);
  return TYPES.map((type) => {
    const state = engine.stores[type].getState();
    const truth = [...s.server.items[type].values()];
    return {
      actual: {
        type,
        items: itemsOf(state.items),
        lastVersion: state.lastVersion,
        digest: state.digest,
        epoch: state.epoch,
      },
      expected: {
        type,
        items: itemsOf(truth),
        lastVersion: s.server.versions[type],
        digest: digestOf(truth),
        epoch: s.server.epoch,
      },
    };
  });
}

describe('the engine under generated event sequences', () => {
  test('after any sequence of duplicates, gaps, reorderings, epoch flips and races, a check leaves it holding exactly the server state', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 25 }), async (steps) => {
        const s = new Scenario();
        const engine = makeEngine(s.server, { resources: [...TYPES], staleStreamMs: 60_000 });
        engines.push(engine);
        try {
          await engine.start();
          for (const step of steps) await run(s, engine, step);
          // One more check after the ones the sequence asked for (checks run one after another).
          await engine.check('settle after the sequence');
          await until(() => {
            for (const { actual, expected } of compare(s, engine)) expect(actual).toEqual(expected);
          });
        } finally {
          await engine.stop();
          engines.splice(engines.indexOf(engine), 1);
        }
      }),
      { seed: 0xe7e17, numRuns: 120 },
    );
  });

  test('without any check, in-order live delivery alone keeps it exactly in step with the server', async () => {
    const commits = fc.array(
      fc.record({ type: typeArb, slot: fc.nat({ max: SLOTS - 1 }), remove: fc.boolean() }),
      { minLength: 1, maxLength: 30 },
    );
    await fc.assert(
      fc.asyncProperty(commits, fc.nat({ max: 3 }), async (changes, duplicates) => {
        const s = new Scenario();
        const engine = makeEngine(s.server, { resources: [...TYPES], staleStreamMs: 60_000 });
        engines.push(engine);
        try {
          await engine.start();
          await until(() => expect(engine.connection.getState().state).toBe('online'));
          const requestsBefore = s.server.itemRequests().length;
          for (const change of changes) {
            s.commit({ ...change, push: true });
            // Redelivered events (a flaky proxy) are duplicates and change nothing.
            const last = s.sent[change.type].at(-1)!;
            for (let i = 0; i < duplicates; i++) s.server.deliver(last);
          }
          await until(() => {
            for (const { actual, expected } of compare(s, engine)) expect(actual).toEqual(expected);
          });
          // In order, nothing was missed: no catch-up and no reload was needed.
          expect(s.server.itemRequests().slice(requestsBefore)).toEqual([]);
        } finally {
          await engine.stop();
          engines.splice(engines.indexOf(engine), 1);
        }
      }),
      { seed: 0xd0b1e, numRuns: 40 },
    );
  });
});
