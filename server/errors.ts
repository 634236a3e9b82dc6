/**
 * The one error type routes and storage throw. The app's error handler turns it into the
 * contract's shape `{ error: { code, message, details } }` with the status from
 * ERROR_STATUS, so a code and its status can never disagree.
 */
import type { ZodError } from 'zod';
import { ERROR_STATUS, type ErrorCode } from '../src/shared/protocol';

export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, e.g. Retry-After on 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = ERROR_STATUS[code];
  }
}

/** One validation problem, named by the dotted path of the offending field. */
export interface ValidationIssue {
  path: string;
  code: string;
  message: string;
}

/** Flattens zod issues so every unknown key becomes its own issue naming its path. */
export function validationIssues(error: ZodError, prefix: (string | number)[] = []): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        issues.push({ path: [...path, key].join('.'), code: issue.code, message: 'unknown field' });
    } else {
      issues.push({ path: path.join('.'), code: issue.code, message: issue.message });
    }
  }
  return issues;
}

/** A 400 validation_failed for zod's complaints. */
export function validationError(error: ZodError, prefix: (string | number)[] = []): ApiError {
  const issues = validationIssues(error, prefix);
  const first = issues[0];
  const message = first ? `${first.path || 'body'}: ${first.message}` : 'invalid input';
  return new ApiError('validation_failed', message, issues);
}

/** A 400 validation_failed for one hand-checked field. */
export function fieldError(path: string, message: string): ApiError {
  return new ApiError('validation_failed', `${path}: ${message}`, [{ path, code: 'custom', message }]);
}

/**
 * A start-up failure the operator can fix (database unreachable, schema too new): main
 * prints its one-line message, not a stack trace, and exits non-zero.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}
