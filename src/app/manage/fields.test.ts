import { describe, expect, it } from 'vitest';
import { RESOURCE_NAMES, RESOURCES } from '../../shared/resources';
import { defaultsOf, type FieldSpec, fieldsOf, renderedPaths } from './fields';

const byKey = (fields: FieldSpec[], key: string) => fields.find((f) => f.key === key)!;

describe('fieldsOf', () => {
  it('covers every field of every type, in schema order', () => {
    for (const resource of RESOURCE_NAMES) {
      const keys = fieldsOf(resource).map((f) => f.key);
      expect(keys).toEqual(Object.keys(RESOURCES[resource].schema.shape));
    }
  });

  it('turns every declared reference into a select or a multi-select of the target type', () => {
    for (const resource of RESOURCE_NAMES) {
      const fields = fieldsOf(resource);
      const flat = fields.flatMap((f) => (f.kind === 'group' ? f.fields : [f]));
      for (const reference of RESOURCES[resource].references) {
        const field = flat.find((f) => f.path === reference.field);
        expect(field, `${resource}.${reference.field}`).toBeDefined();
        expect(['reference', 'references']).toContain(field!.kind);
        expect((field as { target: string }).target).toBe(reference.target);
      }
    }
  });

  it('picks editors from the schema: money, colour, time, enums, sets, lists and groups', () => {
    const product = fieldsOf('product');
    expect(byKey(product, 'priceCents')).toMatchObject({ kind: 'number', money: true, label: 'Price' });
    expect(byKey(product, 'printDestinationId')).toMatchObject({ kind: 'reference', nullable: true });
    expect(byKey(product, 'description')).toMatchObject({ kind: 'text', multiline: true });
    expect(byKey(fieldsOf('tag'), 'color').kind).toBe('color');
    expect(byKey(fieldsOf('role'), 'permissions').kind).toBe('enumSet');
    expect(byKey(fieldsOf('dining_table'), 'shape')).toMatchObject({
      kind: 'enum',
      options: ['round', 'square', 'rect'],
    });
    const rule = fieldsOf('price_rule');
    expect(byKey(rule, 'startTime')).toMatchObject({ kind: 'time', nullable: true });
    expect(byKey(rule, 'validFrom')).toMatchObject({ kind: 'date', nullable: true, label: 'Valid from' });
    expect(byKey(rule, 'exclusive')).toMatchObject({ kind: 'boolean', defaultValue: false });
    expect(byKey(rule, 'weekdays')).toMatchObject({ kind: 'numberSet', min: 1, max: 7 });
    expect(byKey(rule, 'scope').kind).toBe('group');
    const options = byKey(fieldsOf('attribute'), 'options');
    expect(options).toMatchObject({ kind: 'objectList', minItems: 1 });
    expect(options.kind === 'objectList' && options.fields.map((f) => f.kind)).toEqual([
      'hiddenId',
      'text',
      'number',
    ]);
  });
});

describe('defaultsOf', () => {
  it("gives each type's schema defaults, and an empty value where the user must choose", () => {
    expect(defaultsOf(fieldsOf('product'))).toEqual({
      name: '',
      categoryId: '',
      priceCents: 0,
      tagIds: [],
      attributeIds: [],
      printDestinationId: null,
      active: true,
      sortOrder: 0,
      description: '',
    });
    expect(defaultsOf(fieldsOf('dining_table'))).toMatchObject({ seats: 1, shape: 'square' });
  });

  it('starts a list that needs one row with one row, whose id is fresh and valid', () => {
    const draft = defaultsOf(fieldsOf('attribute'));
    const options = draft.options as { id: string }[];
    expect(options).toHaveLength(1);
    expect(options[0]!.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a filled-in default draft of every type passes the same schema the server uses', () => {
    const filled: Record<string, Record<string, unknown>> = {
      product: { name: 'Soup', categoryId: 'c1' },
      category: { name: 'Soups' },
      tag: { name: 'Hot' },
      attribute: { name: 'Size', options: [{ id: 'o1', name: 'Large', priceDeltaCents: 100 }] },
      zone: { name: 'Bar' },
      dining_table: { name: 'T1', zoneId: 'z1' },
      employee: { name: 'Ana', roleId: 'r1' },
      role: { name: 'Cook' },
      price_rule: { name: 'Happy hour', amount: 10 },
      print_destination: { name: 'Kitchen', address: 'printer.local:9100' },
    };
    for (const resource of RESOURCE_NAMES) {
      const draft = { ...defaultsOf(fieldsOf(resource)), ...filled[resource] };
      const result = RESOURCES[resource].schema.safeParse(draft);
      expect(result.success, `${resource}: ${JSON.stringify(result.error?.issues)}`).toBe(true);
    }
  });
});

describe('renderedPaths', () => {
  it('names nested group fields and every list row', () => {
    const attribute = fieldsOf('attribute');
    const paths = renderedPaths(attribute, {
      name: 'Size',
      multiple: false,
      options: [
        { id: 'a', name: 'S', priceDeltaCents: 0 },
        { id: 'b', name: 'L', priceDeltaCents: 100 },
      ],
    });
    expect(paths).toEqual([
      'name',
      'multiple',
      'options',
      'options.0.name',
      'options.0.priceDeltaCents',
      'options.1.name',
      'options.1.priceDeltaCents',
    ]);
    expect(renderedPaths(fieldsOf('price_rule'), defaultsOf(fieldsOf('price_rule')))).toContain(
      'scope.zoneIds',
    );
  });
});
