/**
 * hold_back: what the screens' hold-back (src/app/holdBack.ts) costs when one product of a
 * large catalogue changes: the product type is re-checked against the categories, tags,
 * attributes and printers it references. Baseline: the cheapest pass the menu makes over
 * the same products anyway (each product's category looked up by id). Pure computation in
 * Node, the same code the page runs; no browser, so the figure is the function's own cost.
 */
import { createHoldBack, type Held } from '../../src/app/holdBack';
import { type Item, RESOURCE_NAMES, type ResourceName } from '../../src/shared/resources';
import type { Benchmark } from './lib/bench';
import { result, round } from './lib/figures';
import { bySize } from './lib/sizes';
import { median } from './lib/stats';

function held(items: Item[]): Held {
  return { items, byId: Object.fromEntries(items.map((i) => [i.id, i])) };
}

/** A catalogue shaped like a venue's: nested categories, tags, options and printers on every product. */
function catalogue(products: number): Record<ResourceName, Held> {
  const stores = Object.fromEntries(RESOURCE_NAMES.map((r) => [r, held([])])) as Record<ResourceName, Held>;
  const categories = Array.from({ length: 60 }, (_, i) => ({
    id: `c${i}`,
    version: 1,
    name: `Category ${i}`,
    parentId: i < 10 ? null : `c${i % 10}`,
    sortOrder: i,
    color: '#8a8f98',
  }));
  const tags = Array.from({ length: 20 }, (_, i) => ({
    id: `t${i}`,
    version: 1,
    name: `Tag ${i}`,
    color: '#aabbcc',
  }));
  const attributes = Array.from({ length: 10 }, (_, i) => ({
    id: `a${i}`,
    version: 1,
    name: `Attribute ${i}`,
    multiple: false,
    options: [{ id: 'o', name: 'O', priceDeltaCents: 0 }],
  }));
  const printers = Array.from({ length: 3 }, (_, i) => ({
    id: `d${i}`,
    version: 1,
    name: `Printer ${i}`,
    kind: 'kitchen' as const,
    address: `10.0.0.${i}:9100`,
    active: true,
  }));
  stores.category = held(categories as Item[]);
  stores.tag = held(tags as Item[]);
  stores.attribute = held(attributes as Item[]);
  stores.print_destination = held(printers as Item[]);
  stores.product = held(
    Array.from(
      { length: products },
      (_, i) =>
        ({
          id: `p${i}`,
          version: 1,
          name: `Dish ${i}`,
          categoryId: `c${i % 60}`,
          priceCents: 1000 + i,
          tagIds: [`t${i % 20}`, `t${(i + 7) % 20}`],
          attributeIds: [`a${i % 10}`],
          printDestinationId: `d${i % 3}`,
          active: true,
          sortOrder: i,
          description: '',
        }) as Item,
    ),
  );
  return stores;
}

export const holdBack: Benchmark = {
  name: 'hold_back',
  what: 'the hold-back re-checking a large catalogue after one product changed, vs one category lookup per product',
  async run(ctx) {
    const products = bySize(ctx.size, { full: 50_000, quick: 10_000, smoke: 1000 });
    const reps = bySize(ctx.size, { full: 21, quick: 11, smoke: 5 });
    ctx.log(`${products} products`);
    const stores = catalogue(products);
    const view = createHoldBack((r) => stores[r]);
    view.shown('product');
    const changes: number[] = [];
    const baseline: number[] = [];
    const cached: number[] = [];
    for (let r = 0; r < reps; r++) {
      // One product changed: a new items array (and record) as the store would publish.
      const items = stores.product.items.slice();
      items[r] = { ...items[r]!, version: 2 + r } as Item;
      stores.product = held(items);
      let t = performance.now();
      const shown = view.shown('product');
      changes.push(performance.now() - t);
      if (shown.items !== items)
        throw new Error('a consistent catalogue must be shown as the store holds it');
      t = performance.now();
      view.shown('product');
      cached.push(performance.now() - t);
      t = performance.now();
      const categories = stores.category.byId;
      let found = 0;
      for (const p of items) if (Object.hasOwn(categories, (p as Item<'product'>).categoryId)) found++;
      baseline.push(performance.now() - t);
      if (found !== products) throw new Error('baseline lookup lost a product');
    }
    return [
      result({
        name: 'hold_back_product_change',
        value: median(changes),
        unit: 'ms',
        baseline: median(baseline),
        baselineIs: 'one pass over the products looking up each category by id',
        // One frame at 60 Hz: a change must not make the screens miss one.
        target: { on: 'value', op: '<=', limit: 16 },
        detail: `${products} products with 4 references each (category, 2 tags, option group, printer); ${reps} changes (medians); unchanged stores answer from the cache in ${round(median(cached))} ms`,
      }),
    ];
  },
};
