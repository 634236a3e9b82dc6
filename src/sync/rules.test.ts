/**
 * The sync rules as decisions, with no store, no IndexedDB and no server: each row of the
 * `applySync` and reconnect-check tables of docs/SYNC.md, and the plan its rule returns.
 */
import { describe, expect, it } from 'vitest';
import type { ChangesResponse, Snapshot, SyncEvent } from '../shared/protocol';
import type { Item } from '../shared/resources';
import { type Draft, localCopyOf } from './draft';
import { SyncError } from './errors';
import { adoptSnapshot, applyBatch, nothingToDo, type Plan, type RuleReads, verify } from './rules';

const E1 = 'e1000000-0000-4000-8000-000000000001';
const E2 = 'e2000000-0000-4000-8000-000000000002';

const tag = (id: string, version: number, name = id): Item<'tag'> =>
  ({ id, version, name, color: '#123456' }) as Item<'tag'>;

/** An update of `item` to `version`. */
function event(version: number, item: Item<'tag'>, epoch = E1): SyncEvent<'tag'> {
  return { epoch, resource: 'tag', action: 'updated', id: item.id, version, data: { ...item, version } };
}

/** What the store holds before each rule: t1 and t2 at v2 of epoch E1. */
const HELD = [tag('t1', 1), tag('t2', 2)];
const local = () => localCopyOf(HELD, 2, E1);

type ChangesCall = [resource: string, since: number, epoch: string | undefined];

/** The rules' reads, with `changes` answering `answer` (or throwing it) and recording each call. */
function reads(answer: ChangesResponse<'tag'> | Error | null = null, live = true, copy = local()) {
  const calls: ChangesCall[] = [];
  const r: RuleReads<'tag'> = {
    resource: 'tag',
    local: copy,
    isLive: () => live,
    changes: async <R extends string>(resource: R, since: number, epoch?: string) => {
      calls.push([resource, since, epoch]);
      if (answer instanceof Error) throw answer;
      if (!answer) throw new Error('no catch-up expected');
      return { body: answer as never, bytes: 321 };
    },
  };
  return { reads: r, calls };
}

/** A `/api/sync/changes` answer. */
function changesOf(epoch: string, version: number, changes: SyncEvent<'tag'>[]): ChangesResponse<'tag'> {
  return { epoch, resource: 'tag', version, changes };
}

const refusal = (code: 'too_old' | 'epoch_mismatch' | 'internal_error', status: number) =>
  new SyncError({ code, status, message: `server says ${code}` });

/** The draft to commit as plain data: version, epoch, digest and items (sorted by id). */
function committed(draft: Draft<'tag'> | null) {
  if (!draft) return null;
  const items = [...draft.items.values()].sort((a, b) => a.id.localeCompare(b.id));
  return { version: draft.version, epoch: draft.epoch, digest: draft.digest, items };
}

const readable = (plan: Plan<'tag'>) => ({ ...plan, commit: committed(plan.commit) });

/** The copy a store would hold with these items: what a committed draft must equal. */
const copyOf = (items: Item<'tag'>[], version: number, epoch: string) => {
  const { digest } = localCopyOf(items, version, epoch);
  return { version, epoch, digest, items };
};

describe('applySync: what an arriving event decides (docs/SYNC.md, applySync rules)', () => {
  it('another epoch: held, a check requested, epoch_changed logged; nothing written', async () => {
    const foreign = event(3, tag('t1', 0, 'New'), E2);
    const plan = await applyBatch(reads().reads, [{ event: foreign, own: false }]);
    expect(readable(plan)).toEqual({
      ...nothingToDo(),
      hold: [foreign],
      checks: ['event from another epoch'],
      log: [{ kind: 'epoch_changed', message: '1 event(s) from another epoch; re-verifying' }],
    });
  });

  it('version <= lastVersion: ignored as duplicates, logged at once; nothing written', async () => {
    const batch = [1, 2].map((v) => ({ event: event(v, tag('t1', 0, 'Stale')), own: false }));
    const plan = await applyBatch(reads().reads, batch);
    expect(readable(plan)).toEqual({
      ...nothingToDo(),
      log: [{ kind: 'duplicate_ignored', message: 'ignored 2 already applied event(s): v1, v2', version: 2 }],
    });
  });

  it('version == lastVersion + 1: applied; logged and highlighted once stored', async () => {
    const plan = await applyBatch(reads().reads, [{ event: event(3, tag('t1', 0, 'Renamed')), own: false }]);
    expect(readable(plan)).toEqual({
      ...nothingToDo(),
      commit: copyOf([tag('t1', 3, 'Renamed'), tag('t2', 2)], 3, E1),
      logStored: [{ kind: 'applied', message: 'applied v3..v3', version: 3 }],
      highlight: ['t1'],
    });
  });

  it('a deleted event removes the item; an own write is applied without a highlight', async () => {
    const deleted: SyncEvent<'tag'> = {
      epoch: E1,
      resource: 'tag',
      action: 'deleted',
      id: 't2',
      version: 3,
      data: null,
    };
    const plan = await applyBatch(reads().reads, [{ event: deleted, own: true }]);
    expect(readable(plan)).toEqual({
      ...nothingToDo(),
      commit: copyOf([tag('t1', 1)], 3, E1),
      logStored: [{ kind: 'applied', message: 'applied v3..v3', version: 3 }],
    });
  });

  it('version > lastVersion + 1: caught up from /api/sync/changes?resource&since&epoch, then applied', async () => {
    const missed = [event(3, tag('t1', 0, 'A')), event(4, tag('t2', 0, 'B'))];
    const { reads: r, calls } = reads(changesOf(E1, 5, [...missed, event(5, tag('t3', 0, 'C'))]));
    const plan = await applyBatch(r, [{ event: event(5, tag('t3', 0, 'C')), own: false }]);
    expect(calls).toEqual([['tag', 2, E1]]);
    expect(readable(plan)).toEqual({
      ...nothingToDo(),
      commit: copyOf([tag('t1', 3, 'A'), tag('t2', 4, 'B'), tag('t3', 5, 'C')], 5, E1),
      logStored: [
        { kind: 'gap_caught_up', message: 'caught up v2→v5 with 3 change(s)', bytes: 321, version: 5 },
        { kind: 'applied', message: 'applied v3..v5', version: 5 },
      ],
      highlight: ['t1', 't2', 't3'],
    });
  });

  it('… 410 too_old: a full snapshot of the type (too_old_reload), nothing else written', async () => {
    const { reads: r } = reads(refusal('too_old', 410));
    const plan = await applyBatch(r, [{ event: event(9, tag('t1', 0)), own: false }]);
    expect(readable(plan)).toEqual({
      ...nothingToDo(),
      reload: { kind: 'too_old_reload', why: 'history since v2 is gone' },
    });
  });

  it('… 409 epoch_mismatch: a reconnect check, no reload', async () => {
    const { reads: r } = reads(refusal('epoch_mismatch', 409));
    const plan = await applyBatch(r, [{ event: event(9, tag('t1', 0)), own: false }]);
    expect(readable(plan)).toEqual({ ...nothingToDo(), checks: ['catch-up met another epoch'] });
  });

  it('… a change list of another epoch: a reconnect check too', async () => {
    const { reads: r } = reads(changesOf(E2, 9, []));
    const plan = await applyBatch(r, [{ event: event(9, tag('t1', 0)), own: false }]);
    expect(readable(plan)).toEqual({ ...nothingToDo(), checks: ['catch-up met another epoch'] });
  });

  it('… any other failure: a full snapshot of the type (full_refresh)', async () => {
    const { reads: r } = reads(refusal('internal_error', 500));
    const plan = await applyBatch(r, [{ event: event(9, tag('t1', 0)), own: false }]);
    expect(readable(plan)).toEqual({
      ...nothingToDo(),
      reload: { kind: 'full_refresh', why: 'catch-up failed (server says internal_error)' },
    });
  });

  it('… a change list that skips a version: what came before it is kept, then a full snapshot', async () => {
    const { reads: r } = reads(changesOf(E1, 5, [event(3, tag('t1', 0, 'A')), event(5, tag('t2', 0, 'B'))]));
    const plan = await applyBatch(r, [{ event: event(5, tag('t2', 0, 'B')), own: false }]);
    expect(readable(plan)).toEqual({
      ...nothingToDo(),
      commit: copyOf([tag('t1', 3, 'A'), tag('t2', 2)], 3, E1),
      logStored: [{ kind: 'applied', message: 'applied v3..v3', version: 3 }],
      highlight: ['t1'],
      reload: { kind: 'full_refresh', why: 'the change list skips from v3 to v5' },
    });
  });

  it("an own write's answer ahead of an open stream waits for the stream: no catch-up", async () => {
    const { reads: r, calls } = reads(null, true);
    const plan = await applyBatch(r, [{ event: event(4, tag('t1', 0)), own: true }]);
    expect(calls).toEqual([]);
    expect(readable(plan)).toEqual(nothingToDo());
  });

  it("an own write's answer ahead while the stream is down is caught up at once", async () => {
    const { reads: r, calls } = reads(
      changesOf(E1, 4, [event(3, tag('t2', 0, 'X')), event(4, tag('t1', 0, 'Y'))]),
      false,
    );
    const plan = await applyBatch(r, [{ event: event(4, tag('t1', 0, 'Y')), own: true }]);
    expect(calls).toEqual([['tag', 2, E1]]);
    expect(readable(plan)).toMatchObject({
      commit: copyOf([tag('t1', 4, 'Y'), tag('t2', 3, 'X')], 4, E1),
      highlight: ['t2', 't1'],
    });
  });

  it('a batch is sorted by version and split: duplicates and foreign events beside the applied ones', async () => {
    const foreign = event(1, tag('t9', 0), E2);
    const plan = await applyBatch(reads().reads, [
      { event: event(4, tag('t2', 0, 'Four')), own: false },
      { event: foreign, own: false },
      { event: event(2, tag('t1', 0, 'Old')), own: false },
      { event: event(3, tag('t1', 0, 'Three')), own: false },
    ]);
    expect(readable(plan)).toEqual({
      ...nothingToDo(),
      log: [
        { kind: 'duplicate_ignored', message: 'ignored 1 already applied event(s): v2', version: 2 },
        { kind: 'epoch_changed', message: '1 event(s) from another epoch; re-verifying' },
      ],
      hold: [foreign],
      checks: ['event from another epoch'],
      commit: copyOf([tag('t1', 3, 'Three'), tag('t2', 4, 'Four')], 4, E1),
      logStored: [{ kind: 'applied', message: 'applied v3..v4', version: 4 }],
      highlight: ['t1', 't2'],
    });
  });
});

describe('the reconnect check for one type (docs/SYNC.md, reconnect check)', () => {
  /** What the status says: epoch, version, digest, and our version when it was asked for. */
  function target(epoch: string, version: number, digest: string, versionBefore = 2) {
    return { epoch, version, digest, versionBefore };
  }
  const DIGEST = local().digest;
  const CAUGHT_UP_TO_V3 = {
    kind: 'gap_caught_up',
    message: 'caught up v2→v3 with 1 change(s)',
    bytes: 321,
    version: 3,
  };

  it('never loaded: a snapshot', async () => {
    const { reads: r } = reads(null, true, localCopyOf([], 0, null));
    expect(readable(await verify(r, target(E1, 5, 'ffffffffffffffff')))).toEqual({
      ...nothingToDo(),
      reload: { kind: 'snapshot', why: 'first load' },
    });
  });

  it('same epoch, same version, same digest: nothing', async () => {
    const { reads: r, calls } = reads();
    expect(readable(await verify(r, target(E1, 2, DIGEST)))).toEqual(nothingToDo());
    expect(calls).toEqual([]);
  });

  it('same epoch, same version, digest differs: reload that type', async () => {
    expect(readable(await verify(reads().reads, target(E1, 2, 'ffffffffffffffff')))).toEqual({
      ...nothingToDo(),
      reload: { kind: 'digest_mismatch', why: 'v2 but digest differs' },
    });
  });

  it.each([
    ['same epoch, server ahead: caught up', E1],
    ['new epoch, digest differs, server version higher: caught up with epoch=<new>', E2],
  ])('%s, accepted on the status digest, stored, then held events released', async (_, epoch) => {
    const after = copyOf([tag('t1', 3, 'A'), tag('t2', 2)], 3, epoch);
    const { reads: r, calls } = reads(changesOf(epoch, 3, [event(3, tag('t1', 0, 'A'), epoch)]));
    const plan = await verify(r, target(epoch, 3, after.digest));
    expect(calls).toEqual([['tag', 2, epoch]]);
    expect(readable(plan)).toEqual({
      ...nothingToDo(),
      commit: after,
      failIfRefused: true,
      logStored: [CAUGHT_UP_TO_V3],
      highlight: ['t1'],
      releaseHeld: true,
    });
  });

  it('same epoch, server ahead, digest differs after the catch-up: its cost logged, then a reload', async () => {
    const { reads: r } = reads(changesOf(E1, 3, [event(3, tag('t1', 0, 'A'))]));
    expect(readable(await verify(r, target(E1, 3, 'ffffffffffffffff')))).toEqual({
      ...nothingToDo(),
      log: [CAUGHT_UP_TO_V3],
      reload: { kind: 'digest_mismatch', why: 'caught up to v3 but digest differs' },
    });
  });

  it('same epoch, server behind already before the status was read: reload (full_refresh)', async () => {
    expect(readable(await verify(reads().reads, target(E1, 1, 'ffffffffffffffff', 2)))).toEqual({
      ...nothingToDo(),
      reload: { kind: 'full_refresh', why: 'server went back to v1' },
    });
  });

  it('same epoch, live events carried us past the status after it was read: nothing', async () => {
    expect(readable(await verify(reads().reads, target(E1, 1, 'ffffffffffffffff', 1)))).toEqual(
      nothingToDo(),
    );
  });

  it('new epoch, digest equal: items kept, new version and epoch adopted, no request', async () => {
    const { reads: r, calls } = reads();
    expect(readable(await verify(r, target(E2, 40, DIGEST)))).toEqual({
      ...nothingToDo(),
      commit: { version: 40, epoch: E2, digest: DIGEST, items: HELD },
      failIfRefused: true,
      logStored: [
        { kind: 'digest_verified', message: 'digest equal: kept 2 item(s), now v40', bytes: 0, version: 40 },
      ],
      releaseHeld: true,
    });
    expect(calls).toEqual([]);
  });

  it('new epoch, digest differs, server version higher, digest still differs after: a reload', async () => {
    const { reads: r } = reads(changesOf(E2, 3, [event(3, tag('t1', 0, 'A'), E2)]));
    expect(readable(await verify(r, target(E2, 3, 'ffffffffffffffff')))).toMatchObject({
      commit: null,
      log: [CAUGHT_UP_TO_V3],
      reload: { kind: 'digest_mismatch', why: 'caught up to v3 but digest differs' },
    });
  });

  it('new epoch, a catch-up that does not reach the status version: the digest is unproved, a reload', async () => {
    const { reads: r } = reads(changesOf(E2, 4, [event(3, tag('t1', 0, 'A'), E2)]));
    expect(readable(await verify(r, target(E2, 4, 'ffffffffffffffff')))).toMatchObject({
      commit: null,
      reload: { kind: 'digest_mismatch', why: 'new epoch and the digest could not be verified' },
    });
  });

  it('new epoch, digest differs, server version not higher: reload that type', async () => {
    const { reads: r, calls } = reads();
    expect(readable(await verify(r, target(E2, 2, 'ffffffffffffffff')))).toEqual({
      ...nothingToDo(),
      reload: { kind: 'digest_mismatch', why: 'new epoch, digest differs at v2' },
    });
    expect(calls).toEqual([]);
  });

  it('the epoch moved again during the catch-up: another check, nothing else', async () => {
    const { reads: r } = reads(refusal('epoch_mismatch', 409));
    expect(readable(await verify(r, target(E2, 3, 'ffffffffffffffff')))).toEqual({
      ...nothingToDo(),
      checks: ['epoch moved during the check'],
    });
  });

  it('a catch-up the server cannot serve (410): a snapshot instead', async () => {
    const { reads: r } = reads(refusal('too_old', 410));
    expect(readable(await verify(r, target(E1, 9, 'ffffffffffffffff')))).toEqual({
      ...nothingToDo(),
      reload: { kind: 'too_old_reload', why: 'history since v2 is gone' },
    });
  });
});

describe('a snapshot', () => {
  const snapshot = (digest: string): Snapshot<'tag'> => ({
    epoch: E2,
    version: 7,
    digest,
    items: [tag('t5', 7)],
  });

  it('replaces the type, logged once stored, then releases the events held for its epoch', () => {
    const { digest } = localCopyOf([tag('t5', 7)], 7, E2);
    const plan = adoptSnapshot('tag', snapshot(digest), 99, {
      kind: 'full_refresh',
      why: 'reload everything',
    });
    expect(plan.commit?.replaceAll).toBe(true);
    expect(readable(plan)).toEqual({
      ...nothingToDo(),
      commit: copyOf([tag('t5', 7)], 7, E2),
      failIfRefused: true,
      logStored: [
        { kind: 'full_refresh', message: 'reload everything: loaded 1 item(s) at v7', bytes: 99, version: 7 },
      ],
      releaseHeld: true,
    });
  });

  it('whose digest does not match its items is still taken, with the digest of its items and a fault', () => {
    const plan = adoptSnapshot('tag', snapshot('ffffffffffffffff'), 99, {
      kind: 'snapshot',
      why: 'first load',
    });
    const { digest } = localCopyOf([tag('t5', 7)], 7, E2);
    expect(plan.log).toEqual([
      { kind: 'fault', message: `snapshot digest ffffffffffffffff but items hash to ${digest}` },
    ]);
    expect(committed(plan.commit)?.digest).toBe(digest);
  });
});
