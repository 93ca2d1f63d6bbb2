import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Expectation, Prediction } from '../../src/core/expectations/handler.ts';
import {
  checkExpectation,
  describeExpectation,
  EXPECTATION_KINDS,
  expectationKind,
  parseExpectation,
  variantInputs,
} from '../../src/core/expectations/index.ts';
import { prediction } from './factories.ts';

describe('checkExpectation', () => {
  it.each<[string, Expectation, Prediction, boolean, string]>([
    ['label equal', { label: 'negative' }, prediction({ label: 'negative' }), true, 'label is "negative"'],
    ['label case/space', { label: 'Negative' }, prediction({ label: '  NEGATIVE ' }), true, 'as expected'],
    [
      'label differs',
      { label: 'negative' },
      prediction({ label: 'positive' }),
      false,
      'expected label "negative", got "positive"',
    ],
    [
      'label falls back to text',
      { label: 'negative' },
      prediction({ text: 'negative' }),
      true,
      'as expected',
    ],
    ['label missing', { label: 'negative' }, prediction({ score: 0.3 }), false, 'no label'],
    ['one_of hit', { one_of: ['neutral', 'positive'] }, prediction({ label: 'Neutral' }), true, 'is one of'],
    [
      'one_of miss',
      { one_of: ['neutral', 'positive'] },
      prediction({ label: 'negative' }),
      false,
      'expected one of "neutral", "positive", got "negative"',
    ],
    ['not_label ok', { not_label: 'positive' }, prediction({ label: 'negative' }), true, 'not "positive"'],
    [
      'not_label hit',
      { not_label: 'positive' },
      prediction({ label: 'POSITIVE' }),
      false,
      'expected any label but "positive"',
    ],
    ['not_label missing', { not_label: 'positive' }, prediction({}), false, 'no label'],
    [
      'contains text',
      { contains: 'refund' },
      prediction({ text: 'We will REFUND you' }),
      true,
      'contains "refund"',
    ],
    [
      'contains falls back to label',
      { contains: 'neg' },
      prediction({ label: 'negative' }),
      true,
      'contains',
    ],
    [
      'contains miss',
      { contains: 'refund' },
      prediction({ text: 'no money back' }),
      false,
      'expected output containing "refund"',
    ],
    ['not_contains ok', { not_contains: 'sorry' }, prediction({ text: 'Thanks!' }), true, 'does not contain'],
    [
      'not_contains hit',
      { not_contains: 'sorry' },
      prediction({ text: 'So SORRY' }),
      false,
      'expected output without "sorry"',
    ],
    [
      'regex match',
      { regex: '^pos', flags: 'i' },
      prediction({ label: 'Positive' }),
      true,
      'matches /^pos/i',
    ],
    [
      'regex case-sensitive miss',
      { regex: '^pos' },
      prediction({ label: 'Positive' }),
      false,
      'expected output matching /^pos/',
    ],
    [
      'regex invalid at check time',
      { regex: '(' },
      prediction({ text: 'x' }),
      false,
      'not a valid regular expression',
    ],
    ['range inside', { range: { min: 0.5, max: 1 } }, prediction({ score: 0.7 }), true, 'between 0.5 and 1'],
    ['range inclusive min', { range: { min: 0.5 } }, prediction({ score: 0.5 }), true, 'at least 0.5'],
    ['range inclusive max', { range: { max: 0.2 } }, prediction({ score: 0.2 }), true, 'at most 0.2'],
    [
      'range below',
      { range: { min: 0.5 } },
      prediction({ score: 0.49 }),
      false,
      'expected a score at least 0.5, got 0.49',
    ],
    ['range above', { range: { max: 0.2 } }, prediction({ score: 0.9 }), false, 'got 0.9'],
    ['range no score', { range: { min: 0 } }, prediction({ label: 'x' }), false, 'no score'],
  ])('%s', (_name, expectation, pred, pass, reason) => {
    const result = checkExpectation(expectation, pred);
    expect(result.pass).toBe(pass);
    expect(result.reason).toContain(reason);
  });

  const inv: Expectation = { invariant: ["I didn't like it.", 'I didnt like it'] };
  it.each<[string, Prediction[] | undefined, boolean, string]>([
    [
      'all variants agree',
      [prediction({ label: 'negative' }), prediction({ label: 'NEGATIVE' })],
      true,
      'all 2 variant(s)',
    ],
    [
      'one variant flips',
      [prediction({ label: 'negative' }), prediction({ label: 'positive' })],
      false,
      'I didnt like it',
    ],
    ['variant without answer', [prediction({ label: 'negative' }), prediction({})], false, 'got none'],
    [
      'missing variant predictions',
      [prediction({ label: 'negative' })],
      false,
      'expected predictions for 2 variant(s), got 1',
    ],
    ['no variants passed at all', undefined, false, 'got 0'],
  ])('invariant: %s', (_name, variants, pass, reason) => {
    const result = checkExpectation(inv, prediction({ label: 'negative' }), variants);
    expect(result.pass).toBe(pass);
    expect(result.reason).toContain(reason);
  });

  it('never throws, even for a malformed expectation', () => {
    const result = checkExpectation({ bogus: 1 } as unknown as Expectation, prediction({ label: 'x' }));
    expect(result.pass).toBe(false);
    expect(result.reason).toMatch(/could not be checked/);
  });
});

describe('parseExpectation', () => {
  it.each<[string, unknown, Expectation]>([
    ['label', { label: 'negative' }, { label: 'negative' }],
    ['label trimmed', { label: ' negative ' }, { label: 'negative' }],
    ['json string', '{"label":"negative"}', { label: 'negative' }],
    ['one_of', { one_of: ['neutral', 'positive'] }, { one_of: ['neutral', 'positive'] }],
    ['not_label', { not_label: 'positive' }, { not_label: 'positive' }],
    ['contains', { contains: 'refund' }, { contains: 'refund' }],
    ['not_contains', { not_contains: 'sorry' }, { not_contains: 'sorry' }],
    ['regex with flags', { regex: '^pos', flags: 'i' }, { regex: '^pos', flags: 'i' }],
    ['regex, empty flags dropped', { regex: '^pos', flags: '' }, { regex: '^pos' }],
    ['range min', { range: { min: 0.5 } }, { range: { min: 0.5 } }],
    ['range both equal', { range: { min: 0.5, max: 0.5 } }, { range: { min: 0.5, max: 0.5 } }],
    [
      'invariant',
      { invariant: ["I didn't like it.", 'I didnt like it'] },
      { invariant: ["I didn't like it.", 'I didnt like it'] },
    ],
    ['invariant structured', { invariant: [{ text: 'a' }] }, { invariant: [{ text: 'a' }] }],
  ])('accepts %s', (_name, input, expected) => {
    expect(parseExpectation(input)).toEqual({ ok: true, value: expected });
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', 42, /must be a JSON object/],
    ['an array', ['label'], /got an array/],
    ['null', null, /got null/],
    ['bad JSON string', '{label:', /not valid JSON/],
    ['unknown kind', { equals: 'x' }, /Unknown expectation kind \("equals"\); use one of "label", "one_of"/],
    ['empty object', {}, /Unknown expectation kind \(an empty object\)/],
    ['two kinds', { label: 'a', not_label: 'b' }, /exactly one kind, got "label" and "not_label"/],
    ['extra key', { label: 'a', flags: 'i' }, /"label" does not take "flags"/],
    ['empty label', { label: '  ' }, /"label" must not be empty/],
    ['label not a string', { label: 3 }, /"label" must be a string, got a number/],
    ['one_of not an array', { one_of: 'a,b' }, /"one_of" must be an array of labels, got a string/],
    ['one_of empty', { one_of: [] }, /at least one label/],
    ['one_of with a number', { one_of: ['a', 2] }, /array of strings; item 2 is a number/],
    ['one_of with an empty item', { one_of: ['a', ''] }, /item 2 is empty/],
    ['regex invalid', { regex: '(' }, /not a valid regular expression: .*missing closing \)/],
    ['regex bad flags', { regex: 'a', flags: 'zz' }, /"z" is not supported/],
    ['regex flags not string', { regex: 'a', flags: 1 }, /"flags" must be a string/],
    ['range no bound', { range: {} }, /at least one of "min" or "max"/],
    [
      'range min > max',
      { range: { min: 0.9, max: 0.1 } },
      /"range.min" \(0.9\) is greater than "range.max" \(0.1\)/,
    ],
    ['range not object', { range: [0, 1] }, /"range" must be an object/],
    [
      'range bound not number',
      { range: { min: '0.5' } },
      /"range.min" must be a finite number, got a string/,
    ],
    ['range unknown key', { range: { lo: 0 } }, /only takes "min" and "max", not "lo"/],
    ['invariant empty', { invariant: [] }, /at least one variant input/],
    ['invariant not array', { invariant: 'x' }, /must be an array of variant inputs/],
    ['invariant bad item', { invariant: ['a', 3] }, /variant 2 must be a string or an object, got a number/],
    ['invariant empty item', { invariant: [' '] }, /variant 1 is empty/],
  ])('rejects %s', (_name, input, message) => {
    const result = parseExpectation(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });

  it('never throws and always returns ok or a non-empty error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.anything()), (value) => {
        const result = parseExpectation(value);
        expect(result.ok || result.error.length > 0).toBe(true);
      }),
    );
  });
});

describe('kind, description, variants', () => {
  it.each<[Expectation, string, string]>([
    [{ label: 'negative' }, 'label', 'label = negative'],
    [{ one_of: ['a', 'b'] }, 'one_of', 'label ∈ {a, b}'],
    [{ not_label: 'positive' }, 'not_label', 'label ≠ positive'],
    [{ contains: 'refund' }, 'contains', 'contains "refund"'],
    [{ not_contains: 'sorry' }, 'not_contains', 'does not contain "sorry"'],
    [{ regex: '^pos', flags: 'i' }, 'regex', 'matches /^pos/i'],
    [{ range: { min: 0.5, max: 1 } }, 'range', 'score between 0.5 and 1'],
    [{ invariant: ['a'] }, 'invariant', 'invariant under 1 variant'],
  ])('%j is %s: %s', (expectation, kind, text) => {
    expect(expectationKind(expectation)).toBe(kind);
    expect(describeExpectation(expectation)).toBe(text);
  });

  it('lists every kind once', () => {
    expect([...EXPECTATION_KINDS].sort()).toEqual(
      [
        'contains',
        'direction',
        'invariant',
        'label',
        'not_contains',
        'not_label',
        'one_of',
        'range',
        'regex',
        'json_schema',
        'length',
        'judge',
        'similar',
      ].sort(),
    );
  });

  it('gives variant inputs only for invariant', () => {
    expect(variantInputs({ invariant: ['a', { x: 1 }] })).toEqual(['a', { x: 1 }]);
    expect(variantInputs({ label: 'a' })).toEqual([]);
  });
});
