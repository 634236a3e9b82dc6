/**
 * The page's one error vocabulary: `SyncError` is what the engine and the app's own
 * requests throw, carrying the contract's code (or `network_error`, `storage_full`, ...),
 * and `errorInfo` reads anything thrown as a `SyncErrorInfo` for the UI and the log.
 */
import { type ApiErrorBody, ERROR_STATUS, type ErrorCode } from '../shared/protocol';
import type { SyncErrorInfo } from './types';

/** An error from the server, the network or this device's storage, with the contract's code. */
export class SyncError extends Error {
  readonly info: SyncErrorInfo;

  constructor(info: SyncErrorInfo) {
    super(info.message);
    this.name = 'SyncError';
    this.info = info;
  }

  get code(): SyncErrorInfo['code'] {
    return this.info.code;
  }

  get status(): number {
    return this.info.status;
  }
}

/** The SyncErrorInfo of anything thrown (anything but a SyncError is an `internal_error`). */
export function errorInfo(error: unknown): SyncErrorInfo {
  if (error instanceof SyncError) return error.info;
  return {
    code: 'internal_error',
    status: 0,
    message: error instanceof Error ? error.message : String(error),
  };
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}

/** Turns a non-2xx answer (its status and body text) into the SyncError the caller sees. */
export function errorFromResponse(status: number, text: string): SyncError {
  let body: Partial<ApiErrorBody> | undefined;
  try {
    body = JSON.parse(text) as Partial<ApiErrorBody>;
  } catch {
    body = undefined;
  }
  const e = body?.error;
  const code: ErrorCode = isErrorCode(e?.code) ? e.code : status >= 502 ? 'unavailable' : 'internal_error';
  const message = typeof e?.message === 'string' ? e.message : `The server answered ${status}.`;
  return new SyncError({
    code,
    status,
    message,
    ...(e?.details === undefined ? {} : { details: e.details }),
  });
}

/** A request that got no answer at all (fetch rejected): the server could not be reached. */
export function unreachable(error: unknown): SyncError {
  const reason = error instanceof Error ? error.message : String(error);
  return new SyncError({
    code: 'network_error',
    status: 0,
    message: `The server could not be reached (${reason}).`,
  });
}
