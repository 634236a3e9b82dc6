/** The hold-back: nothing is shown before what it references, and unchanged answers keep their arrays. */
import { describe, expect, it } from 'vitest';
import { createHoldBack, type Held } from '../../src/app/holdBack';
import { type Item, RESOURCE_NAMES, RESOURCES, type ResourceName } from '../../src/shared/resources';

type Stores = Record<ResourceName, Held>;

function held(items: Item[]): Held {
  return { items, byId: Object.fromEntries(items.map((i) => [i.id, i])) };
}

/** Ten stores, each a plain object the test replaces as a store would (new arrays on change). */
function stores(initial: Partial<Record<ResourceName, Item[]>> = {}) {
  const state = Object.fromEntries(RESOURCE_NAMES.map((r) => [r, held(initial[r] ?? [])])) as Stores;
  const view = createHoldBack((r) => state[r]);
  return {
    state,
    set(resource: ResourceName, items: Item[]) {
      state[resource] = held(items);
    },
    ids: (resource: ResourceName) => view.shown(resource).items.map((i) => i.id),
    shown: view.shown,
  };
}

const fields = (resource: ResourceName, value: Record<string, unknown>) =>
  RESOURCES[resource].schema.parse(value) as Record<string, unknown>;
const item = (resource: ResourceName, id: string, value: Record<string, unknown>) =>
  ({ id, version: 1, ...fields(resource, value) }) as Item;

const category = (id: string, parentId: string | null = null) => item('category', id, { name: id, parentId });
const product = (id: string, categoryId: string, tagIds: string[] = []) =>
  item('product', id, { name: id, categoryId, priceCents: 100, tagIds });
const zone = (id: string) => item('zone', id, { name: id });
const table = (id: string, zoneId: string) =>
  item('dining_table', id, { name: id, zoneId, seats: 2, x: 0, y: 0 });
const tag = (id: string) => item('tag', id, { name: id, color: '#aabbcc' });

describe('the hold-back', () => {
  it('shows every item, as the very arrays the stores hold, when every reference resolves', () => {
    const s = stores({ category: [category('c')], product: [product('p', 'c')] });
    expect(s.shown('product').items).toBe(s.state.product.items);
    expect(s.shown('product').byId).toBe(s.state.product.byId);
    expect(s.shown('product').held.size).toBe(0);
  });

  it('holds a product back until its category arrives', () => {
    const s = stores({
      product: [product('p', 'c-new'), product('q', 'c-old')],
      category: [category('c-old')],
    });
    expect(s.ids('product')).toEqual(['q']);
    expect([...s.shown('product').held]).toEqual(['p']);
    expect(s.shown('product').byId).toEqual({ q: s.state.product.byId.q });
    s.set('category', [category('c-old'), category('c-new')]);
    expect(s.ids('product')).toEqual(['p', 'q']);
  });

  it('holds a product back again when its category leaves the device (a reload replaced it)', () => {
    const s = stores({
      category: [category('c'), category('d')],
      product: [product('p', 'c'), product('q', 'd')],
    });
    expect(s.ids('product')).toEqual(['p', 'q']);
    s.set('category', [category('d')]);
    expect(s.ids('product')).toEqual(['q']);
    // A changed product is looked at again even while its targets only grow.
    s.set('category', [category('d'), category('e')]);
    s.set('product', [product('p', 'c'), product('q', 'gone')]);
    expect(s.ids('product')).toEqual([]);
  });

  it('holds a table back until its zone arrives', () => {
    const s = stores({ dining_table: [table('t1', 'z')] });
    expect(s.ids('dining_table')).toEqual([]);
    s.set('zone', [zone('z')]);
    expect(s.ids('dining_table')).toEqual(['t1']);
  });

  it('holds a product back until every tag it carries arrives', () => {
    const s = stores({
      category: [category('c')],
      product: [product('p', 'c', ['t1', 't2'])],
      tag: [tag('t1')],
    });
    expect(s.ids('product')).toEqual([]);
    s.set('tag', [tag('t1'), tag('t2')]);
    expect(s.ids('product')).toEqual(['p']);
  });

  it('holds a sub-category under a missing parent, and what is under it, however deep', () => {
    const s = stores({
      category: [category('child', 'parent'), category('grandchild', 'child'), category('other')],
      product: [product('p', 'grandchild'), product('q', 'other')],
    });
    expect(s.ids('category')).toEqual(['other']);
    expect(s.ids('product')).toEqual(['q']);
    s.set('category', [...s.state.category.items, category('parent')]);
    expect(s.ids('category')).toEqual(['child', 'grandchild', 'other', 'parent']);
    expect(s.ids('product')).toEqual(['p', 'q']);
  });

  it('holds a price rule back while a category it is scoped by has not arrived', () => {
    const rule = item('price_rule', 'r', {
      name: 'r',
      kind: 'discount',
      amountType: 'percent',
      amount: 10,
      scope: { categoryIds: ['c'] },
    });
    const s = stores({ price_rule: [rule] });
    expect(s.ids('price_rule')).toEqual([]);
    s.set('category', [category('c')]);
    expect(s.ids('price_rule')).toEqual(['r']);
  });

  it('keeps its answer, arrays included, while nothing it depends on changed', () => {
    const s = stores({
      product: [product('p', 'c-new'), product('q', 'c-old')],
      category: [category('c-old')],
    });
    const first = s.shown('product');
    s.set('employee', []);
    expect(s.shown('product')).toBe(first);
    // A category changed but the same products are held: the same filtered arrays.
    s.set('category', [category('c-old'), category('c-other')]);
    expect(s.shown('product').items).toBe(first.items);
    expect(s.shown('product').byId).toBe(first.byId);
  });

  it('refuses an id that only an object prototype holds ("constructor" is a valid id)', () => {
    const s = stores({ product: [product('p', 'constructor')] });
    expect(s.ids('product')).toEqual([]);
  });
});
