/** The upgrade's one rule: add exactly the fields a schema defaults and an item lacks, nothing else. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { withDefaults } from '../../server/upgrade';
import { RESOURCES } from '../../src/shared/resources';

describe('withDefaults', () => {
  it('adds missing defaults at any depth, in objects and in lists of objects', () => {
    const schema = z.strictObject({
      name: z.string(),
      flag: z.boolean().default(false),
      scope: z.strictObject({ a: z.array(z.string()).default([]), b: z.array(z.string()).default([]) }),
      rows: z.array(z.strictObject({ id: z.string(), delta: z.number().default(0) })),
      note: z.string().nullable().default(null),
    });
    expect(
      withDefaults(schema, { name: 'x', scope: { a: ['1'] }, rows: [{ id: 'r' }, { id: 's', delta: 5 }] }),
    ).toEqual({
      name: 'x',
      flag: false,
      scope: { a: ['1'], b: [] },
      rows: [
        { id: 'r', delta: 0 },
        { id: 's', delta: 5 },
      ],
      note: null,
    });
  });

  it('never changes a value that is there, valid or not, and never invents a required field', () => {
    const stored = {
      kind: 'discount',
      weekdays: [1, 1],
      startTime: '10:00',
      endTime: '10:00',
      exclusive: true,
    };
    expect(withDefaults(RESOURCES.price_rule.schema, stored)).toMatchObject(stored);
    expect(withDefaults(RESOURCES.price_rule.schema, stored)).not.toHaveProperty('name');
  });

  it('gives a price rule stored before this release exactly the new fields', () => {
    const old = {
      name: 'Happy hour',
      kind: 'discount',
      amountType: 'percent',
      amount: 20,
      scope: { productIds: [], categoryIds: ['c'], zoneIds: [] },
      weekdays: [1, 2],
      startTime: '17:00',
      endTime: '19:00',
      priority: 10,
      active: true,
    };
    expect(withDefaults(RESOURCES.price_rule.schema, old)).toEqual({
      ...old,
      scope: { ...old.scope, tagIds: [] },
      validFrom: null,
      validUntil: null,
      exclusive: false,
    });
  });

  it('leaves an item that already has every field exactly as it is', () => {
    const product = RESOURCES.product.schema.parse({ name: 'Soup', categoryId: 'c', priceCents: 500 });
    expect(withDefaults(RESOURCES.product.schema, product)).toEqual(product);
  });
});
