/**
 * Turns a refused write into what the form shows: validation issues beside the fields
 * they name (server `details` and client-side zod issues have the same `path`), and a
 * plain sentence for everything else (403, 409, 412, no network).
 */
import type { ReferencedBy } from '../../shared/protocol';
import { RESOURCES, type ResourceName } from '../../shared/resources';
import type { SyncErrorInfo } from '../../sync/types';

/**
 * The part of a zod issue the form needs. Client-side zod gives `path` as an array; the
 * server flattens it to a dotted string ("scope.productIds.0"); both are accepted.
 */
export interface Issue {
  path: PropertyKey[] | string;
  message: string;
  code?: string;
  expected?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  origin?: string;
}

export interface Feedback {
  /** Messages by rendered field path ("name", "options.0.name"). */
  fields: Record<string, string[]>;
  /** A sentence above the form, or null. */
  banner: string | null;
}

function isIssue(value: unknown): value is Issue {
  const v = value as Partial<Issue> | null;
  return (Array.isArray(v?.path) || typeof v?.path === 'string') && typeof v.message === 'string';
}

/** A dangling reference in `invalid_reference` details: `{ field, resource, id }`. */
function isDangling(value: unknown): value is { field: string; resource: ResourceName; id: string } {
  const v = value as { field?: unknown; resource?: unknown; id?: unknown } | null;
  return typeof v?.field === 'string' && typeof v.resource === 'string' && v.resource in RESOURCES;
}

/** Server `details` as issues: validation issues, or dangling references said as issues. */
export function issuesIn(details: unknown): Issue[] {
  const list = Array.isArray(details) ? details : (details as { issues?: unknown } | null)?.issues;
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry): Issue[] => {
    if (isIssue(entry)) return [entry];
    if (isDangling(entry)) {
      const label = RESOURCES[entry.resource].label.toLowerCase();
      return [
        {
          path: entry.field,
          message: `The chosen ${label} no longer exists; someone deleted it. Choose another.`,
        },
      ];
    }
    return [];
  });
}

function pathParts(path: Issue['path']): string[] {
  return typeof path === 'string' ? path.split('.').filter(Boolean) : path.map(String);
}

/** Zod's generic wording, said the way a manager at a tablet would. */
export function friendlyMessage(issue: Issue): string {
  if (issue.code === 'invalid_type') {
    if (issue.expected === 'number') return 'Enter a number';
    return 'Required';
  }
  if (issue.code === 'too_small' && issue.origin === 'number') return `Must be at least ${issue.minimum}`;
  if (issue.code === 'too_big' && issue.origin === 'number') return `Must be at most ${issue.maximum}`;
  if (issue.code === 'too_big' && issue.origin === 'string') return `At most ${issue.maximum} characters`;
  return issue.message.charAt(0).toUpperCase() + issue.message.slice(1);
}

/** Puts each issue beside the deepest rendered field its path starts with; the rest go above. */
export function placeIssues(issues: Issue[], renderedPaths: string[]): Feedback {
  const known = new Set(renderedPaths);
  const fields: Record<string, string[]> = {};
  const unplaced: string[] = [];
  for (const issue of issues) {
    const parts = pathParts(issue.path);
    let placed = false;
    for (let n = parts.length; n > 0 && !placed; n--) {
      const path = parts.slice(0, n).join('.');
      if (known.has(path)) {
        const list = fields[path] ?? [];
        list.push(friendlyMessage(issue));
        fields[path] = list;
        placed = true;
      }
    }
    if (!placed) unplaced.push(friendlyMessage(issue));
  }
  return { fields, banner: unplaced.length > 0 ? unplaced.join(' · ') : null };
}

function isReferencedBy(value: unknown): value is ReferencedBy {
  const v = value as Partial<ReferencedBy> | null;
  return typeof v?.resource === 'string' && typeof v.id === 'string' && v.resource in RESOURCES;
}

/** "12 products (Beef carpaccio, Bruschetta, Burrata and 9 more) and 1 price rule (Lunch deal)", names A-Z. */
function describeUsers(refs: ReferencedBy[], nameOf: (resource: ResourceName, id: string) => string): string {
  const byType = new Map<ResourceName, string[]>();
  for (const ref of refs)
    byType.set(ref.resource, [...(byType.get(ref.resource) ?? []), nameOf(ref.resource, ref.id)]);
  const parts = [...byType].map(([resource, names]) => {
    const { label, plural } = RESOURCES[resource];
    const noun = names.length === 1 ? label.toLowerCase() : plural.toLowerCase();
    const shown = [...names]
      .sort((a, b) => a.localeCompare(b))
      .slice(0, 3)
      .join(', ');
    const rest = names.length > 3 ? ` and ${names.length - 3} more` : '';
    return `${names.length} ${noun} (${shown}${rest})`;
  });
  return parts.join(' and ');
}

/**
 * The form's feedback for a failed create, update or delete. `nameOf` turns a reference
 * into the name staff know it by.
 */
export function feedbackFor(
  error: SyncErrorInfo,
  resource: ResourceName,
  renderedPaths: string[],
  nameOf: (resource: ResourceName, id: string) => string,
): Feedback {
  const { label, plural } = RESOURCES[resource];
  // Refused by this device, not the server (status 0 would read as "no network"): nothing
  // was queued, and the form still holds what was typed.
  if (error.code === 'storage_full')
    return {
      fields: {},
      banner: `${error.message} What you typed is still here: free up space on this device, then save again.`,
    };
  if (error.code === 'storage_error')
    return { fields: {}, banner: `${error.message} What you typed is still here: save again.` };
  const issues = issuesIn(error.details);
  if (error.status === 400 && issues.length > 0) {
    const placed = placeIssues(issues, renderedPaths);
    return { fields: placed.fields, banner: placed.banner ?? 'Please correct the marked fields.' };
  }
  switch (error.status) {
    case 0:
      return {
        fields: {},
        banner: 'The server cannot be reached, so nothing was saved. Try again when back online.',
      };
    case 401:
      return { fields: {}, banner: 'Your session has ended. Sign in again to make changes.' };
    case 403:
      return {
        fields: {},
        banner: `You are not allowed to change ${plural.toLowerCase()}. Ask a manager to give your role the “${resource}.write” permission.`,
      };
    case 404:
      return { fields: {}, banner: `This ${label.toLowerCase()} no longer exists; someone deleted it.` };
    case 412:
      return {
        fields: {},
        banner: `Someone else changed this ${label.toLowerCase()} while you were editing. Load their version, then make your change again.`,
      };
  }
  if (error.code === 'referenced') {
    const refs = (Array.isArray(error.details) ? error.details : []).filter(isReferencedBy);
    return {
      fields: {},
      banner: `This ${label.toLowerCase()} is still used by ${refs.length > 0 ? describeUsers(refs, nameOf) : 'other items'}. Change those first.`,
    };
  }
  return { fields: {}, banner: error.message };
}
