/**
 * A full disk (the origin's storage quota reached) is not a broken database: reopening it
 * cannot help, and nothing is lost by waiting. So a store whose write the quota refused
 * keeps showing what IndexedDB holds, says so in the sync log, and simply tries again on
 * the next event, heartbeat or check, which all see that it is behind the server.
 */
import { RESOURCES, type ResourceName } from '../shared/resources';
import type { Draft, LocalCopy } from './draft';
import type { SyncLog } from './syncLog';
import type { SyncErrorInfo } from './types';

/** While storage stays full, a store says so again at most this often, not on every retry. */
export const STILL_FULL_LOG_MS = 30_000;

/**
 * True when the error (or one it wraps) is the browser's quota refusal. Browsers give a
 * `QuotaExceededError` DOMException; Dexie passes it on as is, maps it to its own error
 * of that name, or wraps it as the `inner` error of an `AbortError` (the transaction
 * aborted at commit) or among the `failures` of a `BulkError`.
 */
export function isQuotaError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const e = error as { name?: unknown; inner?: unknown; cause?: unknown; failures?: unknown };
  if (e.name === 'QuotaExceededError') return true;
  if (isQuotaError(e.inner, depth + 1) || isQuotaError(e.cause, depth + 1)) return true;
  return Array.isArray(e.failures) && e.failures.some((f) => isQuotaError(f, depth + 1));
}

/** Codes of errors that come from this device's storage, not from the server. */
export function isStorageCode(code: SyncErrorInfo['code']): boolean {
  return code === 'storage_full' || code === 'storage_error';
}

/** The error a refused write gives its callers (and the store's `error`). */
export function storageFullError(message: string): SyncErrorInfo {
  return { code: 'storage_full', status: 0, message };
}

/** "3 product changes (v12→v15)", "42 products at v57": what a refused draft would have saved. */
export function unsavedWork<R extends ResourceName>(draft: Draft<R>, shown: LocalCopy<R>): string {
  const label = RESOURCES[draft.resource].label.toLowerCase();
  const plural = RESOURCES[draft.resource].plural.toLowerCase();
  if (draft.replaceAll)
    return `${draft.items.size} ${draft.items.size === 1 ? label : plural} at v${draft.version}`;
  if (draft.epoch !== shown.epoch) return `the ${plural} under the server's new epoch (v${draft.version})`;
  const s = draft.changes === 1 ? '' : 's';
  return `${draft.changes} ${label} change${s} (v${shown.lastVersion}→v${draft.version})`;
}

export interface FullTracker {
  /**
   * The quota refused a write: log it (not on every retry) and give the store's error.
   * `shownVersion` is what the store still shows, null when the type was never loaded.
   */
  refused(unsaved: string, shownVersion: number | null): SyncErrorInfo;
  /** A write went through: if storage was full, say that it works again. */
  saved(version: number): void;
}

/** One store's memory of a storage-full episode, so the log tells its start, progress and end. */
export function createFullTracker(
  resource: ResourceName,
  log: SyncLog,
  now: () => number = Date.now,
): FullTracker {
  let since: number | null = null;
  let lastLogged = 0;
  let refusals = 0;
  const plural = RESOURCES[resource].plural.toLowerCase();

  return {
    refused(unsaved, shownVersion) {
      const message = `This device's storage is full: could not save ${unsaved}`;
      refusals++;
      const first = since === null;
      if (first || now() - lastLogged >= STILL_FULL_LOG_MS) {
        const still = first ? '' : ` (still full after ${refusals} attempts)`;
        const showing =
          shownVersion === null
            ? `no ${plural} saved yet`
            : `showing the ${plural} saved at v${shownVersion}`;
        log.add({
          resource,
          kind: 'storage_error',
          message: `${message}${still}; ${showing}, will retry`,
        });
        lastLogged = now();
      }
      since ??= now();
      return storageFullError(`${message}.`);
    },
    saved(version) {
      if (since === null) return;
      const seconds = Math.round((now() - since) / 1000);
      log.add({
        resource,
        kind: 'storage_ok',
        message: `storage writable again: ${plural} saved at v${version} (${refusals} write(s) refused over ${seconds} s)`,
        version,
      });
      since = null;
      refusals = 0;
    },
  };
}
