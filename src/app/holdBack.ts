/**
 * What the screens may show: an item only once every item it references is shown too.
 * Each type syncs on its own counter, so during a catch-up or a reload a product can reach
 * this device before its new category; holding it back here means no screen ever renders
 * a product without its category or a table without its zone (docs/SYNC.md, "No
 * half-synced screen"). Pure over the stores' items, driven by RESOURCES' references (one
 * path for all ten types), and cached per type on the identity of its inputs, so a store
 * change recomputes only the types that depend on it, and an unchanged result keeps its
 * arrays (lists do not re-render).
 */
import { type Item, RESOURCES, type ResourceName } from '../shared/resources';

/** One type as a store holds it. */
export interface Held<R extends ResourceName = ResourceName> {
  items: Item<R>[];
  byId: Record<string, Item<R>>;
}

/** One type as the screens may show it. */
export interface Shown<R extends ResourceName = ResourceName> extends Held<R> {
  /** Ids held back until what they reference arrives. */
  held: ReadonlySet<string>;
}

const NOTHING_HELD: ReadonlySet<string> = new Set();

interface Entry {
  inputs: readonly unknown[];
  /** The targets' shown records the answer was computed against. */
  targets: ReadonlyMap<ResourceName, Record<string, Item>>;
  /** Items found to resolve every cross-type reference; unchanged items need no new look. */
  resolved: WeakSet<Item>;
  shown: Shown;
}

/** True when every input is the very same object as before. */
function same(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const id of a) if (!b.has(id)) return false;
  return true;
}

/** True when `after` still holds every id `before` held: nothing resolved before can be missing now. */
function onlyGrew(before: Record<string, Item>, after: Record<string, Item>): boolean {
  if (before === after) return true;
  for (const id in before) if (!Object.hasOwn(after, id)) return false;
  return true;
}

/**
 * Ids of items with a reference the targets do not show; self-references (a category's
 * parent) to a fixed point. Items in `resolved` are known to resolve against targets that
 * only grew since, so only new, changed and held items are looked at.
 */
function heldIds(
  resource: ResourceName,
  own: Held,
  targets: ReadonlyMap<ResourceName, Record<string, Item>>,
  resolved: WeakSet<Item>,
): Set<string> {
  const held = new Set<string>();
  const references = RESOURCES[resource].references;
  const across = references.filter((r) => r.target !== resource);
  const within = references.filter((r) => r.target === resource);
  for (const item of own.items) {
    if (resolved.has(item)) continue;
    const missing = across.some((ref) => {
      const shown = targets.get(ref.target)!;
      return ref.ids(item).some((id) => !Object.hasOwn(shown, id));
    });
    if (missing) held.add(item.id);
    else resolved.add(item);
  }
  // A category under a held (or missing) parent is held too, however deep.
  for (let changed = within.length > 0; changed; ) {
    changed = false;
    for (const item of own.items) {
      if (held.has(item.id)) continue;
      const orphan = within.some((ref) =>
        ref.ids(item).some((id) => held.has(id) || !Object.hasOwn(own.byId, id)),
      );
      if (orphan) {
        held.add(item.id);
        changed = true;
      }
    }
  }
  return held;
}

/** The items of `own` minus the held ones, in store order. */
function without(own: Held, held: ReadonlySet<string>): Held {
  const items = own.items.filter((item) => !held.has(item.id));
  return { items, byId: Object.fromEntries(items.map((item) => [item.id, item])) };
}

/** A view over the stores that shows only items whose references are all shown. */
export function createHoldBack(read: (resource: ResourceName) => Held) {
  const cache = new Map<ResourceName, Entry>();

  function shown<R extends ResourceName>(resource: R, path: readonly ResourceName[] = []): Shown<R> {
    const own = read(resource);
    const targets = new Map<ResourceName, Record<string, Item>>();
    for (const ref of RESOURCES[resource].references) {
      if (ref.target === resource || targets.has(ref.target)) continue;
      // A reference cycle across types (none today) would recurse forever: judge it on what is stored.
      const target = path.includes(ref.target) ? read(ref.target) : shown(ref.target, [...path, resource]);
      targets.set(ref.target, target.byId);
    }
    const inputs = [own.items, ...targets.values()];
    const cached = cache.get(resource);
    if (cached && same(cached.inputs, inputs)) return cached.shown as Shown<R>;

    // Targets that only gained items cannot break what resolved before: keep those verdicts.
    const grew =
      cached !== undefined && [...targets].every(([t, byId]) => onlyGrew(cached.targets.get(t)!, byId));
    const resolved = grew ? cached.resolved : new WeakSet<Item>();
    const held = heldIds(resource, own, targets, resolved);
    let result: Shown;
    if (held.size === 0) result = { ...own, held: NOTHING_HELD };
    else if (cached && cached.inputs[0] === own.items && sameSet(cached.shown.held, held))
      result = cached.shown;
    else result = { ...without(own, held), held };
    // Keep the arrays when the answer is the same, so selectors see no change.
    if (cached && cached.shown.items === result.items && cached.shown.byId === result.byId)
      result = cached.shown;
    cache.set(resource, { inputs, targets, resolved, shown: result });
    return result as Shown<R>;
  }

  return { shown };
}
