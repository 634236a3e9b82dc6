/**
 * What happens when an event arrives, and what the reconnect check does to one type: the
 * contract's rules (section 5) as plain functions over a store's context. They run under
 * the store's lock, build a Draft, and leave writing and publishing it to the store.
 */
import type { SyncEvent } from '../shared/protocol';
import type { ResourceName } from '../shared/resources';
import { errorInfo, type SyncApi, type SyncError } from './api';
import { Draft, type LocalCopy } from './draft';
import type { SyncLogEntry } from './types';

export type ReloadKind = Extract<
  SyncLogEntry['kind'],
  'snapshot' | 'full_refresh' | 'too_old_reload' | 'digest_mismatch'
>;

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

/** What the rules need from their store. */
export interface RuleContext<R extends ResourceName> {
  resource: R;
  api: SyncApi;
  local(): LocalCopy<R>;
  log(entry: Omit<SyncLogEntry, 'seq' | 'at' | 'resource'>): void;
  /** Writes the draft, then publishes it; false when IndexedDB refused (nothing changed). */
  commit(draft: Draft<R>): Promise<boolean>;
  /** Why the last `commit` returned false, to fail a check with (`storage_full`, `storage_error`). */
  refusal(): SyncError;
  loadSnapshot(kind: ReloadKind, why: string): Promise<void>;
  /** Keeps events of another epoch until the store has moved into it. */
  hold(events: SyncEvent<R>[]): void;
  releaseHeld(): void;
  requestCheck(reason: string): void;
  /** Whether the stream is open, so it will bring the versions an own write skipped. */
  isLive(): boolean;
  markRecent(ids: Set<string>): void;
}

type CatchUp = 'ok' | 'epoch' | { reload: ReloadKind; why: string };

type LogLine = Omit<SyncLogEntry, 'seq' | 'at' | 'resource'>;

/** Applies a batch of events: duplicates ignored, next versions applied, gaps caught up. */
export async function applyBatch<R extends ResourceName>(
  ctx: RuleContext<R>,
  batch: Incoming<R>[],
): Promise<void> {
  const before = ctx.local();
  const draft = Draft.from(ctx.resource, before);
  const duplicates: number[] = [];
  const foreign: SyncEvent<R>[] = [];
  const remote = new Set<string>();
  const caughtUp: LogLine[] = [];
  let reload: Exclude<CatchUp, 'ok' | 'epoch'> | null = null;
  for (const { event, own } of [...batch].sort((a, b) => a.event.version - b.event.version)) {
    if (event.epoch !== draft.epoch) {
      foreign.push(event);
      continue;
    }
    if (event.version <= draft.version) {
      duplicates.push(event.version);
      continue;
    }
    if (event.version > draft.version + 1) {
      // Our own write's answer ahead of the stream: the stream brings the versions between.
      if ((own && ctx.isLive()) || reload) continue;
      const outcome = await catchUp(ctx, draft, remote, caughtUp);
      if (outcome === 'epoch') {
        ctx.requestCheck('catch-up met another epoch');
        break;
      }
      if (outcome !== 'ok') reload = outcome;
      if (event.version !== draft.version + 1) continue;
    }
    draft.apply(event);
    if (!own) remote.add(event.id);
  }
  if (duplicates.length > 0)
    ctx.log({
      kind: 'duplicate_ignored',
      message: `ignored ${duplicates.length} already applied event(s): v${duplicates.join(', v')}`,
      version: before.lastVersion,
    });
  if (foreign.length > 0) {
    ctx.hold(foreign);
    ctx.log({
      kind: 'epoch_changed',
      message: `${foreign.length} event(s) from another epoch; re-verifying`,
    });
    ctx.requestCheck('event from another epoch');
  }
  const stored = !draft.dirty || (await ctx.commit(draft));
  // A refused write stored nothing, so nothing was caught up or applied: the next try repeats it.
  if (!stored) return;
  for (const line of caughtUp) ctx.log(line);
  if (draft.dirty) {
    ctx.log({
      kind: 'applied',
      message: `applied v${before.lastVersion + 1}..v${draft.version}`,
      version: draft.version,
    });
    if (remote.size > 0) ctx.markRecent(remote);
  }
  if (reload) await ctx.loadSnapshot(reload.reload, reload.why);
}

/**
 * Fills a gap from `/api/sync/changes`; says how to go on when that is not possible. Its
 * `gap_caught_up` line goes to `lines`, logged by the caller once the draft is stored.
 */
async function catchUp<R extends ResourceName>(
  ctx: RuleContext<R>,
  draft: Draft<R>,
  remote: Set<string>,
  lines: LogLine[],
): Promise<CatchUp> {
  const from = draft.version;
  try {
    const { body, bytes } = await ctx.api.changes(ctx.resource, from, draft.epoch ?? undefined);
    if (body.epoch !== draft.epoch) return 'epoch';
    for (const change of body.changes) {
      if (change.version <= draft.version) continue;
      if (change.version !== draft.version + 1)
        return {
          reload: 'full_refresh',
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
    if (info.code === 'too_old') return { reload: 'too_old_reload', why: `history since v${from} is gone` };
    return { reload: 'full_refresh', why: `catch-up failed (${info.message})` };
  }
}

/**
 * The reconnect check for one type. Same epoch: catch up when behind, reload when the
 * digest disagrees at the same version. New epoch: an equal digest keeps the items and
 * adopts the new version; otherwise catch up if the history continues ours (proved by
 * the resulting digest), else reload the type.
 */
export async function verify<R extends ResourceName>(ctx: RuleContext<R>, t: VerifyTarget): Promise<void> {
  const local = ctx.local();
  if (local.epoch === null) return ctx.loadSnapshot('snapshot', 'first load');
  const sameEpoch = t.epoch === local.epoch;
  if (sameEpoch && local.lastVersion === t.version) {
    if (local.digest !== t.digest)
      await ctx.loadSnapshot('digest_mismatch', `v${t.version} but digest differs`);
    return;
  }
  if (sameEpoch && local.lastVersion > t.version) {
    // Live events may have carried us past the status; only a version that was already ahead is wrong.
    if (t.versionBefore > t.version)
      await ctx.loadSnapshot('full_refresh', `server went back to v${t.version}`);
    return;
  }
  if (!sameEpoch && local.digest === t.digest) {
    const draft = Draft.from(ctx.resource, local);
    draft.adopt(t.epoch, t.version);
    if (!(await ctx.commit(draft))) throw ctx.refusal();
    ctx.log({
      kind: 'digest_verified',
      message: `digest equal: kept ${local.items.size} item(s), now v${t.version}`,
      bytes: 0,
      version: t.version,
    });
    ctx.releaseHeld();
    return;
  }
  if (t.version <= local.lastVersion)
    return ctx.loadSnapshot('digest_mismatch', `new epoch, digest differs at v${t.version}`);
  const draft = Draft.from(ctx.resource, local);
  draft.epoch = t.epoch;
  const remote = new Set<string>();
  const caughtUp: LogLine[] = [];
  const outcome = await catchUp(ctx, draft, remote, caughtUp);
  if (outcome === 'epoch') return ctx.requestCheck('epoch moved during the check');
  if (outcome !== 'ok') return ctx.loadSnapshot(outcome.reload, outcome.why);
  const rejected =
    draft.version === t.version && draft.digest !== t.digest
      ? `caught up to v${t.version} but digest differs`
      : !sameEpoch && draft.version !== t.version
        ? 'new epoch and the digest could not be verified'
        : null;
  if (rejected) {
    // What the catch-up downloaded is part of this decision's cost, even though it is dropped.
    for (const line of caughtUp) ctx.log(line);
    return ctx.loadSnapshot('digest_mismatch', rejected);
  }
  // The check must not count a type it could not store as verified: it is retried.
  if (!(await ctx.commit(draft))) throw ctx.refusal();
  for (const line of caughtUp) ctx.log(line);
  if (remote.size > 0) ctx.markRecent(remote);
  ctx.releaseHeld();
}
