import { describe, expect, it } from 'vitest';
import { feedbackFor, issuesIn, placeIssues } from './errors';

const paths = ['name', 'categoryId', 'scope', 'scope.productIds', 'options', 'options.0.name'];
const names = (_resource: string, id: string) => ({ p1: 'Garlic bread', p2: 'Edamame' })[id] ?? id;

describe('placeIssues', () => {
  it('puts an issue beside the deepest field its path names, from an array or a dotted string', () => {
    const feedback = placeIssues(
      [
        { path: ['name'], message: 'must not be empty' },
        { path: 'scope.productIds.3', message: 'bad id' },
        { path: ['options', 0, 'name'], message: 'must not be empty' },
      ],
      paths,
    );
    expect(feedback).toEqual({
      fields: {
        name: ['Must not be empty'],
        'scope.productIds': ['Bad id'],
        'options.0.name': ['Must not be empty'],
      },
      banner: null,
    });
  });

  it('says what is not beside any field above the form', () => {
    expect(placeIssues([{ path: 'pin', message: 'unknown field' }], paths)).toEqual({
      fields: {},
      banner: 'Unknown field',
    });
  });

  it("rephrases zod's type errors for people", () => {
    const feedback = placeIssues(
      [
        {
          path: ['name'],
          message: 'Invalid input: expected number, received string',
          code: 'invalid_type',
          expected: 'number',
        },
      ],
      paths,
    );
    expect(feedback.fields.name).toEqual(['Enter a number']);
  });
});

describe('feedbackFor', () => {
  it('places server validation_failed issues beside their fields', () => {
    const feedback = feedbackFor(
      {
        code: 'validation_failed',
        status: 400,
        message: 'name: must not be empty',
        details: [{ path: 'name', code: 'too_small', message: 'must not be empty' }],
      },
      'product',
      paths,
      names,
    );
    expect(feedback).toEqual({
      fields: { name: ['Must not be empty'] },
      banner: 'Please correct the marked fields.',
    });
  });

  it('places invalid_reference beside the field that points at the missing item', () => {
    const details = [{ field: 'categoryId', resource: 'category', id: 'gone' }];
    expect(issuesIn(details)).toHaveLength(1);
    const feedback = feedbackFor(
      { code: 'invalid_reference', status: 400, message: 'x', details },
      'product',
      paths,
      names,
    );
    expect(feedback.fields.categoryId).toEqual([
      'The chosen category no longer exists; someone deleted it. Choose another.',
    ]);
  });

  it('names who still uses an item it refused to delete (409 referenced)', () => {
    const details = [
      { resource: 'product', id: 'p2', field: 'categoryId' },
      { resource: 'product', id: 'p1', field: 'categoryId' },
    ];
    const feedback = feedbackFor(
      { code: 'referenced', status: 409, message: 'x', details },
      'category',
      paths,
      names,
    );
    expect(feedback.banner).toBe(
      'This category is still used by 2 products (Edamame, Garlic bread). Change those first.',
    );
  });

  it('explains 403, 412 and a network failure in a sentence', () => {
    const say = (status: number, code: 'forbidden' | 'precondition_failed' | 'network_error') =>
      feedbackFor({ code, status, message: 'x' }, 'dining_table', paths, names).banner;
    expect(say(403, 'forbidden')).toBe(
      'You are not allowed to change tables. Ask a manager to give your role the “dining_table.write” permission.',
    );
    expect(say(412, 'precondition_failed')).toMatch(
      /^Someone else changed this table while you were editing\./,
    );
    expect(say(0, 'network_error')).toMatch(/^The server cannot be reached, so nothing was saved\./);
  });

  it('says a change refused by a full device was not saved, and that the input is kept', () => {
    const message = "This device's storage is full, so the change was not saved on this device.";
    const feedback = feedbackFor({ code: 'storage_full', status: 0, message }, 'product', paths, names);
    expect(feedback).toEqual({
      fields: {},
      banner: `${message} What you typed is still here: free up space on this device, then save again.`,
    });
  });
});
