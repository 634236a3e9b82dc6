/** The menu as staff sell from it: categories, products at today's prices, tags and options. */
import { useDeferredValue, useMemo, useState } from 'react';
import { applyRules, rulesInForce, venueMoment } from '../../shared/pricing';
import type { Item } from '../../shared/resources';
import { EmptyState } from '../components/EmptyState';
import { ProductCard } from '../components/ProductCard';
import { ZoneSelect } from '../components/ZoneSelect';
import {
  byDisplayOrder,
  useById,
  useHeldBackCount,
  useIsLoading,
  useItems,
  useNow,
  useRecentlyChanged,
  useSortedItems,
} from '../hooks';
import { useVenue } from '../venue';

/** Lower-case words a product can be found by: its name, description, category and tags. */
function searchText(product: Item<'product'>, categoryName: string, tagNames: string[]): string {
  return [product.name, product.description, categoryName, ...tagNames].join(' ').toLowerCase();
}

export function MenuScreen() {
  const products = useItems('product');
  const categories = useSortedItems('category');
  const categoriesById = useById('category');
  const tags = useById('tag');
  const attributes = useById('attribute');
  const rules = useItems('price_rule');
  const changed = useRecentlyChanged('product');
  // Products waiting for their category are on their way: "Loading…", not "nothing here".
  const neverLoaded = useIsLoading('product');
  const waiting = useHeldBackCount('product') > 0;
  const loading = neverLoaded || waiting;
  const now = useNow(60_000);
  const { timeZone, currency } = useVenue();

  const [query, setQuery] = useState('');
  const [categoryId, setCategoryId] = useState<string | null>(null);
  const [zoneId, setZoneId] = useState('');
  const deferredQuery = useDeferredValue(query.trim().toLowerCase());

  const sections = useMemo(() => {
    const words = deferredQuery.split(/\s+/).filter(Boolean);
    const visible = products
      .filter((p) => p.active && (!categoryId || p.categoryId === categoryId))
      .filter((p) => {
        if (words.length === 0) return true;
        const text = searchText(
          p,
          categoriesById[p.categoryId]?.name ?? '',
          p.tagIds.map((t) => tags[t]?.name ?? ''),
        );
        return words.every((w) => text.includes(w));
      })
      .sort(byDisplayOrder);
    // The venue's clock, once for the whole menu; the rules in force, once; then per product.
    const inForce = rulesInForce(rules, venueMoment(now, timeZone));
    const context = { zoneId: zoneId || null, categories: categoriesById };
    return categories
      .map((category) => ({
        category,
        entries: visible
          .filter((p) => p.categoryId === category.id)
          .map((product) => ({
            product,
            price: applyRules(product, inForce, context),
          })),
      }))
      .filter((section) => section.entries.length > 0);
  }, [products, categories, categoriesById, tags, rules, categoryId, zoneId, deferredQuery, now, timeZone]);

  return (
    <section className="screen menu" aria-labelledby="menu-title">
      <div className="screen__header">
        <h1 id="menu-title">Menu</h1>
        <div className="toolbar">
          <input
            type="search"
            className="input toolbar__search"
            placeholder="Search dishes, tags…"
            aria-label="Search menu"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
          <div className="toolbar__field">
            <label htmlFor="menu-zone">Prices for</label>
            <ZoneSelect id="menu-zone" value={zoneId} onChange={setZoneId} />
          </div>
        </div>
      </div>
      <fieldset className="chips">
        <legend className="visually-hidden">Categories</legend>
        <button
          type="button"
          className="chip"
          aria-pressed={categoryId === null}
          onClick={() => setCategoryId(null)}
        >
          All
        </button>
        {categories.map((c) => (
          <button
            key={c.id}
            type="button"
            className="chip"
            aria-pressed={categoryId === c.id}
            onClick={() => setCategoryId(categoryId === c.id ? null : c.id)}
          >
            <span className="chip__swatch" style={{ background: c.color }} aria-hidden="true" />
            {c.name}
          </button>
        ))}
      </fieldset>
      {sections.length === 0 && (
        <EmptyState loading={loading}>
          {query ? `Nothing on the menu matches “${query}”.` : 'No products on the menu yet.'}
        </EmptyState>
      )}
      {sections.map(({ category, entries }) => (
        <section key={category.id} className="menu__section" aria-label={category.name}>
          <h2 className="menu__category">
            <span className="chip__swatch" style={{ background: category.color }} aria-hidden="true" />
            {category.name}
          </h2>
          <ul className="product-grid">
            {entries.map(({ product, price }) => (
              <ProductCard
                key={product.id}
                product={product}
                price={price}
                tags={tags}
                attributes={attributes}
                highlighted={product.id in changed}
                currency={currency}
              />
            ))}
          </ul>
        </section>
      ))}
    </section>
  );
}
