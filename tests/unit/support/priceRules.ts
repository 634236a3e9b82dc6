/** Price rules for the pricing tests: every optional field at its schema default unless given. */
import type { PriceRule } from '../../../src/shared/pricing';

/** A scope that lists nothing: the whole menu, every zone. */
export const noScope: PriceRule['scope'] = { productIds: [], categoryIds: [], tagIds: [], zoneIds: [] };

/** A 10 % discount in force all the time, overridden by `fields`. */
export function rule(fields: Partial<PriceRule> & { id: string }): PriceRule {
  return {
    version: 1,
    name: fields.id,
    kind: 'discount',
    amountType: 'percent',
    amount: 10,
    scope: noScope,
    weekdays: [],
    startTime: null,
    endTime: null,
    validFrom: null,
    validUntil: null,
    priority: 0,
    exclusive: false,
    active: true,
    ...fields,
  };
}
