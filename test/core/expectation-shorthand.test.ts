import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Expectation } from '../../src/core/expectations/handler.ts';
import { parseExpectationShorthand } from '../../src/core/expectations/index.ts';

describe('parseExpectationShorthand', () => {
  it.each<[string, Expectation]>([
    ['negative', { label: 'negative' }],
    ['  Very Negative ', { label: 'Very Negative' }],
    ['label:a:b', { label: 'a:b' }],
    ['not:positive', { not_label: 'positive' }],
    ['not_label: positive', { not_label: 'positive' }],
    ['one_of:neutral,positive', { one_of: ['neutral', 'positive'] }],
    ['one-of: neutral , positive', { one_of: ['neutral', 'positive'] }],
    ['contains:refund', { contains: 'refund' }],
    ['not_contains:sorry', { not_contains: 'sorry' }],
    ['regex:/^pos/i', { regex: '^pos', flags: 'i' }],
    ['regex:/a\\/b/', { regex: 'a\\/b' }],
    ['regex:^pos', { regex: '^pos' }],
    ['range:0.5..1', { range: { min: 0.5, max: 1 } }],
    ['range:..0.2', { range: { max: 0.2 } }],
    ['range:0.8..', { range: { min: 0.8 } }],
    [
      'invariant:I didnt like it | I did not like it',
      { invariant: ['I didnt like it', 'I did not like it'] },
    ],
    ['invariant:["a","b"]', { invariant: ['a', 'b'] }],
    ['{"label":"negative"}', { label: 'negative' }],
    ['{"range":{"min":0.5}}', { range: { min: 0.5 } }],
  ])('%s', (text, expected) => {
    expect(parseExpectationShorthand(text)).toEqual({ ok: true, value: expected });
  });

  it.each<[string, RegExp]>([
    ['', /empty/],
    ['   ', /empty/],
    ['oneof:a,b', /Unknown expectation prefix "oneof:"/],
    ['not:', /must not be empty/],
    ['one_of:', /at least one label/],
    ['one_of:a,,b', /item 2 is empty/],
    ['regex:/(/', /not a valid regular expression/],
    ['range:1..0', /greater than/],
    ['range:abc', /written <min>..<max>/],
    ['range:x..1', /range min "x" is not a number/],
    ['range:..', /at least one of/],
    ['invariant:', /at least one variant/],
    ['invariant:[1', /not a valid JSON array/],
    ['{"label":', /not valid JSON/],
  ])('rejects %j', (text, message) => {
    const result = parseExpectationShorthand(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const result = parseExpectationShorthand(text);
        expect(result.ok || result.error.length > 0).toBe(true);
      }),
    );
  });
});
