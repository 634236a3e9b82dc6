/** One product on the menu: price after rules, tags, and its option groups. */
import { memo } from 'react';
import type { Item } from '../../shared/resources';
import { formatCents, formatDelta } from '../format';
import type { Price } from '../pricing';

/** Memoized: the menu re-renders thousands of cards otherwise, for changes that touch none of them. */
export const ProductCard = memo(function ProductCard({
  product,
  price,
  tags,
  attributes,
  highlighted,
}: {
  product: Item<'product'>;
  price: Price;
  tags: Record<string, Item<'tag'>>;
  attributes: Record<string, Item<'attribute'>>;
  highlighted: boolean;
}) {
  const discounted = price.priceCents !== price.baseCents;
  return (
    <li className={`card product${highlighted ? ' flash' : ''}`} data-product-id={product.id}>
      <div className="product__head">
        <h3 className="product__name">{product.name}</h3>
        <p className="product__price">
          {discounted && <s className="product__base">{formatCents(price.baseCents)}</s>}
          <span className="product__now" data-testid="price">
            {formatCents(price.priceCents)}
          </span>
        </p>
      </div>
      {discounted && <p className="product__rules">{price.applied.map((r) => r.name).join(' · ')}</p>}
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
              .map((o) => (o.priceDeltaCents ? `${o.name} (${formatDelta(o.priceDeltaCents)})` : o.name))
              .join(', ')}
          </p>
        );
      })}
    </li>
  );
});
