/** One product on the menu: price after rules, tags, and its option groups. */
import { memo } from 'react';
import type { Price } from '../../shared/pricing';
import type { Item } from '../../shared/resources';
import { formatDelta, formatMoney } from '../format';

/** Memoized: the menu re-renders thousands of cards otherwise, for changes that touch none of them. */
export const ProductCard = memo(function ProductCard({
  product,
  price,
  tags,
  attributes,
  highlighted,
  currency,
}: {
  product: Item<'product'>;
  price: Price;
  currency: string | null;
  tags: Record<string, Item<'tag'>>;
  attributes: Record<string, Item<'attribute'>>;
  highlighted: boolean;
}) {
  const discounted = price.priceCents !== price.baseCents;
  const changedBy = price.steps.filter((s) => s.afterCents !== s.beforeCents);
  return (
    <li className={`card product${highlighted ? ' flash' : ''}`} data-product-id={product.id}>
      <div className="product__head">
        <h3 className="product__name">{product.name}</h3>
        <p className="product__price">
          {discounted && <s className="product__base">{formatMoney(price.baseCents, currency)}</s>}
          <span className="product__now" data-testid="price" data-cents={price.priceCents}>
            {formatMoney(price.priceCents, currency)}
          </span>
        </p>
      </div>
      {changedBy.length > 0 && <p className="product__rules">{changedBy.map((s) => s.name).join(' · ')}</p>}
      {product.description && <p className="product__description">{product.description}</p>}
      {product.tagIds.length > 0 && (
        <ul className="tags" aria-label="Tags">
          {product.tagIds.map((id) => {
            const tag = tags[id];
            return tag ? (
              <li key={id} className="tag" style={{ borderColor: tag.color, color: tag.color }}>
                {tag.name}
              </li>
            ) : null;
          })}
        </ul>
      )}
      {product.attributeIds.map((id) => {
        const attribute = attributes[id];
        if (!attribute) return null;
        return (
          <p key={id} className="product__attribute">
            <span className="product__attribute-name">{attribute.name}:</span>{' '}
            {attribute.options
              .map((o) =>
                o.priceDeltaCents ? `${o.name} (${formatDelta(o.priceDeltaCents, currency)})` : o.name,
              )
              .join(', ')}
          </p>
        );
      })}
    </li>
  );
});
