/**
 * What happens when an event arrives, what the reconnect check does to one type, and what
 * a snapshot does: the contract's rules (section 5) as functions that decide. They read
 * what the store holds and, to catch up, the change log, and return a Plan; the store
 * carries it out in one place (resourceStore.ts, `carryOut`). Nothing here writes, logs,
 * holds or publishes.
 */
import type { Snapshot, SyncEvent } from '../shared/protocol';
import type { ResourceName } from '../shared/resources';
import type { SyncApi } from './api';
import { Draft, type LocalCopy } from './draft';
import { errorInfo } from './errors';
import type { SyncLogEntry } from './types';

export type ReloadKind = Extract<
  SyncLogEntry['kind'],
  'snapshot' | 'full_refresh' | 'too_old_reload' | 'digest_mismatch'
>;

/** A sync log line as a rule writes it: the store adds its resource, time and sequence. */
export type LogLine = Omit<SyncLogEntry, 'seq' | 'at' | 'resource'>;

/** What the server's status says about a type, for the reconnect check. */
export interface VerifyTarget {
  epoch: string;
  version: number;
  digest: string;
  /** Our version when the status was requested: later live events may have passed it. */
  versionBefore: number;
}

/** One queued event; `own` marks the answer to this store's own write. */
export interface Incoming<R extends ResourceName> {
  event: SyncEvent<R>;
  own: boolean;
}

/** What the rules read. They run under the store's lock, so `local` stays put meanwhile. */
export interface RuleReads<R extends ResourceName> {
  resource: R;
  local: LocalCopy<R>;
  /** `GET /api/sync/changes`, to catch up. */
  changes: SyncApi['changes'];
  /** Whether the stream is open, so it will bring the versions an own write skipped. */
  isLive(): boolean;
}

/** A snapshot to load, and the log line's kind and reason. */
export interface Reload {
  kind: ReloadKind;
  why: string;
}

/**
 * What the store does with one decision, in this order: log `log`, hold `hold`, ask for
 * a check for each of `checks`, then write and publish `commit`. Once that is stored (or
 * when there is nothing to write): log `logStored`, highlight `highlight`, re-apply the
 * held events of the new epoch when `releaseHeld`, and load `reload`. A refused write
 * stops the plan there; with `failIfRefused` it also fails the caller.
 */
export interface Plan<R extends ResourceName> {
  log: LogLine[];
  /** Events of another epoch, kept until the store has moved into it. */
  hold: SyncEvent<R>[];
  /** Reasons to ask the engine for a reconnect check. */
  checks: string[];
  commit: Draft<R> | null;
  /** The check must not count a type it could not store as verified: it is retried. */
  failIfRefused: boolean;
  logStored: LogLine[];
  /** Ids another device changed, highlighted for a moment. */
  highlight: string[];
  releaseHeld: boolean;
  reload: Reload | null;
}

/** A plan that does nothing; the rules fill in what applies. */
export function nothingToDo<R extends ResourceName>(): Plan<R> {
  return {
    log: [],
    hold: [],
    checks: [],
    commit: null,
    failIfRefused: false,
    logStored: [],
    highlight: [],
    releaseHeld: false,
    reload: null,
  };
}

const reloading = <R extends ResourceName>(kind: ReloadKind, why: string): Plan<R> => ({
  ...nothingToDo<R>(),
  reload: { kind, why },
});

type CatchUp = 'ok' | 'epoch' | Reload;

/** Applies a batch of events: duplicates ignored, next versions applied, gaps caught up. */
export async function applyBatch<R extends ResourceName>(
  reads: RuleReads<R>,
  batch: Incoming<R>[],
): Promise<Plan<R>> {
  const before = reads.local;
  const plan = nothingToDo<R>();
  const draft = Draft.from(reads.resource, before);
  const duplicates: number[] = [];
  const remote = new Set<string>();
  const caughtUp: LogLine[] = [];
  for (const { event, own } of [...batch].sort((a, b) => a.event.version - b.event.version)) {
    if (event.epoch !== draft.epoch) {
      plan.hold.push(event);
      continue;
    }
    if (event.version <= draft.version) {
      duplicates.push(event.version);
      continue;
    }
    if (event.version > draft.version + 1) {
      // Our own write's answer ahead of the stream: the stream brings the versions between.
      if ((own && reads.isLive()) || plan.reload) continue;
      const outcome = await catchUp(reads, draft, remote, caughtUp);
      if (outcome === 'epoch') {
        plan.checks.push('catch-up met another epoch');
        break;
      }
      if (outcome !== 'ok') plan.reload = outcome;
      if (event.version !== draft.version + 1) continue;
    }
    draft.apply(event);
    if (!own) remote.add(event.id);
  }
  if (duplicates.length > 0)
    plan.log.push({
      kind: 'duplicate_ignored',
      message: `ignored ${duplicates.length} already applied event(s): v${duplicates.join(', v')}`,
      version: before.lastVersion,
    });
  if (plan.hold.length > 0) {
    plan.log.push({
      kind: 'epoch_changed',
      message: `${plan.hold.length} event(s) from another epoch; re-verifying`,
    });
    plan.checks.push('event from another epoch');
  }
  // A refused write stores nothing, so nothing was caught up or applied: the next try repeats it.
  plan.logStored = caughtUp;
  if (draft.dirty) {
    plan.commit = draft;
    plan.logStored.push({
      kind: 'applied',
      message: `applied v${before.lastVersion + 1}..v${draft.version}`,
      version: draft.version,
    });
    plan.highlight = [...remote];
  }
  return plan;
}

/**
 * Fills a gap from `/api/sync/changes` into the draft; says how to go on when that is not
 * possible. Its `gap_caught_up` line goes to `lines`, for the caller's plan.
 */
async function catchUp<R extends ResourceName>(
  reads: RuleReads<R>,
  draft: Draft<R>,
  remote: Set<string>,
  lines: LogLine[],
): Promise<CatchUp> {
  const from = draft.version;
  try {
    const { body, bytes } = await reads.changes(reads.resource, from, draft.epoch ?? undefined);
    if (body.epoch !== draft.epoch) return 'epoch';
    for (const change of body.changes) {
      if (change.version <= draft.version) continue;
      if (change.version !== draft.version + 1)
        return {
          kind: 'full_refresh',
          why: `the change list skips from v${draft.version} to v${change.version}`,
        };
      draft.apply(change);
      remote.add(change.id);
    }
    lines.push({
      kind: 'gap_caught_up',
      message: `caught up v${from}→v${draft.version} with ${body.changes.length} change(s)`,
      bytes,
      version: draft.version,
    });
    return 'ok';
  } catch (error) {
    const info = errorInfo(error);
    if (info.code === 'epoch_mismatch') return 'epoch';
    if (info.code === 'too_old') return { kind: 'too_old_reload', why: `history since v${from} is gone` };
    return { kind: 'full_refresh', why: `catch-up failed (${info.message})` };
  }
}

/**
 * The reconnect check for one type. Same epoch: catch up when behind, reload when the
 * digest disagrees at the same version. New epoch: an equal digest keeps the items and
 * adopts the new version; otherwise catch up if the history continues ours (proved by
 * the resulting digest), else reload the type.
 */
export async function verify<R extends ResourceName>(reads: RuleReads<R>, t: VerifyTarget): Promise<Plan<R>> {
  const { local } = reads;
  if (local.epoch === null) return reloading('snapshot', 'first load');
  const sameEpoch = t.epoch === local.epoch;
  if (sameEpoch && local.lastVersion === t.version)
    return local.digest === t.digest
      ? nothingToDo()
      : reloading('digest_mismatch', `v${t.version} but digest differs`);
  if (sameEpoch && local.lastVersion > t.version)
    // Live events may have carried us past the status; only a version that was already ahead is wrong.
    return t.versionBefore > t.version
      ? reloading('full_refresh', `server went back to v${t.version}`)
      : nothingToDo();
  if (!sameEpoch && local.digest === t.digest) {
    const draft = Draft.from(reads.resource, local);
    draft.adopt(t.epoch, t.version);
    const verified: LogLine = {
      kind: 'digest_verified',
      message: `digest equal: kept ${local.items.size} item(s), now v${t.version}`,
      bytes: 0,
      version: t.version,
    };
    return { ...nothingToDo(), commit: draft, failIfRefused: true, logStored: [verified], releaseHeld: true };
  }
  if (t.version <= local.lastVersion)
    return reloading('digest_mismatch', `new epoch, digest differs at v${t.version}`);
  const draft = Draft.from(reads.resource, local);
  draft.epoch = t.epoch;
  const remote = new Set<string>();
  const caughtUp: LogLine[] = [];
  const outcome = await catchUp(reads, draft, remote, caughtUp);
  if (outcome === 'epoch') return { ...nothingToDo(), checks: ['epoch moved during the check'] };
  if (outcome !== 'ok') return { ...nothingToDo(), reload: outcome };
  const rejected =
    draft.version === t.version && draft.digest !== t.digest
      ? `caught up to v${t.version} but digest differs`
      : !sameEpoch && draft.version !== t.version
        ? 'new epoch and the digest could not be verified'
        : null;
  // What the catch-up downloaded is part of this decision's cost, even though it is dropped.
  if (rejected) return { ...reloading('digest_mismatch', rejected), log: caughtUp };
  return {
    ...nothingToDo(),
    commit: draft,
    failIfRefused: true,
    logStored: caughtUp,
    highlight: [...remote],
    releaseHeld: true,
  };
}

/**
 * A snapshot replaces the whole type (its digest is computed here, not trusted); once it
 * is stored, held events of its epoch apply on top, those it already holds as duplicates.
 */
export function adoptSnapshot<R extends ResourceName>(
  resource: R,
  snapshot: Snapshot<R>,
  bytes: number,
  reload: Reload,
): Plan<R> {
  const draft = Draft.fromSnapshot(resource, snapshot);
  const loaded: LogLine = {
    kind: reload.kind,
    message: `${reload.why}: loaded ${snapshot.items.length} item(s) at v${snapshot.version}`,
    bytes,
    version: snapshot.version,
  };
  return {
    ...nothingToDo(),
    log:
      draft.digest === snapshot.digest
        ? []
        : [
            {
              kind: 'fault',
              message: `snapshot digest ${snapshot.digest} but items hash to ${draft.digest}`,
            },
          ],
    commit: draft,
    failIfRefused: true,
    logStored: [loaded],
    releaseHeld: true,
  };
}
