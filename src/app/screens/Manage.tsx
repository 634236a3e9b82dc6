/**
 * Create, edit and delete for every type the signed-in role may write. Types it may not
 * write are not offered; opening one by URL says so instead of showing a form.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { type Item, RESOURCE_NAMES, RESOURCES, type ResourceName } from '../../shared/resources';
import { EmptyState } from '../components/EmptyState';
import { PendingChanges } from '../components/PendingChanges';
import { formatMoney } from '../format';
import {
  useByIdOf,
  useIsHeldBack,
  useIsLoading,
  useItemsByName,
  usePending,
  useRecentlyChanged,
  useSortedItems,
} from '../hooks';
import { fieldsOf } from '../manage/fields';
import { ResourceForm } from '../manage/ResourceForm';
import { type Route, routeHref } from '../router';
import { mayWrite, useSession } from '../session';
import { useVenue } from '../venue';

/** A short second line for a list row: a price, what a rule does, what it belongs to, a flag. */
function summaryOf(item: Item, currency: string | null, belongsTo: string[]): string {
  const parts: string[] = [];
  if ('priceCents' in item) parts.push(formatMoney(item.priceCents, currency));
  if ('amountType' in item) {
    const sign = item.kind === 'discount' ? '−' : '+';
    parts.push(
      item.amountType === 'percent'
        ? `${sign}${item.amount} %`
        : `${sign}${formatMoney(item.amount, currency)}`,
    );
    if (item.exclusive) parts.push('exclusive');
  }
  if ('address' in item) parts.push(item.address);
  if ('seats' in item) parts.push(`${item.seats} seats`);
  parts.push(...belongsTo);
  if ('active' in item && !item.active) parts.push('inactive');
  return parts.join(' · ');
}

/** What a row with an unsettled change says: shown locally, or refused and back to the server's. */
const PENDING_BADGE = {
  pending: 'Pending',
  sending: 'Sending',
  conflict: 'Conflict',
  failed: 'Not saved',
} as const;

function ItemList({ resource, selectedId }: { resource: ResourceName; selectedId: string | undefined }) {
  const items = useItemsByName(resource);
  const changed = useRecentlyChanged(resource);
  const pending = usePending(resource);
  const loading = useIsLoading(resource);
  const { currency } = useVenue();
  // A row names what it belongs to (a product's category, a table's zone), by the type's single references.
  const singles = useMemo(
    () =>
      fieldsOf(resource).flatMap((f) => (f.kind === 'reference' ? [{ key: f.key, target: f.target }] : [])),
    [resource],
  );
  const targets = useByIdOf(useMemo(() => [...new Set(singles.map((f) => f.target))], [singles]));
  const belongsTo = (item: Item) =>
    singles.flatMap(({ key, target }) => {
      const id = (item as Record<string, unknown>)[key];
      const name = typeof id === 'string' ? targets[target]?.[id]?.name : undefined;
      return name ? [name] : [];
    });
  const [query, setQuery] = useState('');
  const listRef = useRef<HTMLUListElement>(null);
  const words = query.trim().toLowerCase();
  // Opening an item by URL (or after creating it) shows its row; later re-renders leave the scroll alone.
  useEffect(() => {
    if (selectedId)
      listRef.current?.querySelector('[aria-current="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [selectedId]);
  const shown = words ? items.filter((i) => i.name.toLowerCase().includes(words)) : items;
  const { label, plural } = RESOURCES[resource];
  return (
    <div className="manage__list">
      <div className="toolbar">
        <input
          type="search"
          className="input toolbar__search"
          placeholder={`Search ${plural.toLowerCase()}…`}
          aria-label={`Search ${plural.toLowerCase()}`}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <a className="button button--primary" href={routeHref({ screen: 'manage', resource, itemId: 'new' })}>
          New {label.toLowerCase()}
        </a>
      </div>
      {shown.length === 0 && <EmptyState loading={loading}>No {plural.toLowerCase()} found.</EmptyState>}
      <ul className="rows" ref={listRef}>
        {shown.map((item) => {
          const state = pending[item.id];
          return (
            <li key={item.id}>
              <a
                className={`row row--link${item.id in changed ? ' flash' : ''}${state ? ' row--pending' : ''}`}
                href={routeHref({ screen: 'manage', resource, itemId: item.id })}
                aria-current={item.id === selectedId ? 'true' : undefined}
                data-item-id={item.id}
                data-pending={state}
              >
                <span className="row__title">{item.name}</span>
                {state && <span className={`badge badge--${state}`}>{PENDING_BADGE[state]}</span>}
                <span className="row__meta">{summaryOf(item, currency, belongsTo(item))}</span>
              </a>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function Editor({ resource, itemId }: { resource: ResourceName; itemId: string }) {
  const items = useSortedItems(resource);
  const loading = useIsLoading(resource);
  const pending = usePending(resource);
  const held = useIsHeldBack(resource, itemId);
  const found = itemId === 'new' ? null : items.find((i) => i.id === itemId);
  // A delete waiting for the server hides the item, but the form stays to show a refusal; and
  // an item held back for a moment (its references catching up) keeps its form and draft.
  const last = useRef(found);
  if (found !== undefined) last.current = found;
  const item = found !== undefined ? found : pending[itemId] || held ? last.current : undefined;
  return (
    <div className="manage__editor">
      <a className="button button--quiet manage__back" href={routeHref({ screen: 'manage', resource })}>
        ← All {RESOURCES[resource].plural.toLowerCase()}
      </a>
      {item === undefined ? (
        <EmptyState loading={loading || held}>
          This {RESOURCES[resource].label.toLowerCase()} no longer exists.
        </EmptyState>
      ) : (
        <ResourceForm key={`${resource}/${itemId}`} resource={resource} item={item} />
      )}
    </div>
  );
}

export function ManageScreen({ route }: { route: Route }) {
  const session = useSession();
  const writable = RESOURCE_NAMES.filter((r) => mayWrite(session, r));
  const resource = route.resource ?? writable[0];

  if (!resource) {
    return (
      <section className="screen" aria-labelledby="manage-title">
        <h1 id="manage-title">Manage</h1>
        <p className="notice notice--error" role="alert">
          You are not allowed to change anything here. Your role can view the menu, floor, staff and printers.
        </p>
      </section>
    );
  }
  const allowed = writable.includes(resource);
  return (
    <section
      className="screen manage"
      aria-labelledby="manage-title"
      data-editing={route.itemId ? 'true' : undefined}
    >
      <div className="screen__header">
        <h1 id="manage-title">Manage</h1>
      </div>
      <PendingChanges />
      {writable.length > 0 && (
        <nav className="chips" aria-label="Resource types">
          {writable.map((r) => (
            <a
              key={r}
              className="chip"
              href={routeHref({ screen: 'manage', resource: r })}
              aria-current={r === resource ? 'page' : undefined}
            >
              {RESOURCES[r].plural}
            </a>
          ))}
        </nav>
      )}
      {allowed ? (
        <div className="manage__body">
          <ItemList resource={resource} selectedId={route.itemId} />
          {route.itemId ? (
            <Editor resource={resource} itemId={route.itemId} />
          ) : (
            <p className="manage__hint muted">
              Choose a {RESOURCES[resource].label.toLowerCase()} to edit, or create a new one.
            </p>
          )}
        </div>
      ) : (
        <p className="notice notice--error" role="alert">
          You are not allowed to change {RESOURCES[resource].plural.toLowerCase()}. Your role does not have
          the “{resource}.write” permission.
        </p>
      )}
    </section>
  );
}
