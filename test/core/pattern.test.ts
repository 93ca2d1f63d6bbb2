import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  parsePatternInput,
  parsePolarity,
  parseSource,
  validatePatternDraft,
} from '../../src/core/pattern.ts';

describe('parsePatternInput', () => {
  it.each<[unknown, unknown]>([
    ['I did not like it', 'I did not like it'],
    [
      { text: 'hi', lang: 'en' },
      { text: 'hi', lang: 'en' },
    ],
  ])('accepts %j', (value, input) => {
    expect(parsePatternInput(value, 1000)).toEqual({ ok: true, value: input });
  });

  it.each<[unknown, number, RegExp]>([
    ['', 100, /empty/],
    [{}, 100, /object is empty/],
    [42, 100, /text or a JSON object/],
    [['a'], 100, /text or a JSON object/],
    ['x'.repeat(101), 100, /The input is 101 bytes; the limit is 100 bytes/],
    ['é'.repeat(60), 100, /120 bytes/],
    [{ text: 'x'.repeat(100) }, 100, /111 bytes; the limit is 100/],
  ])('rejects %j', (value, max, message) => {
    const result = parsePatternInput(value, max);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });
});

describe('parsePolarity / parseSource', () => {
  it.each([
    [parsePolarity, 'Positive', { ok: true, value: 'positive' }],
    [parsePolarity, 'negative', { ok: true, value: 'negative' }],
    [parseSource, 'import', { ok: true, value: 'import' }],
    [parseSource, ' PRODUCTION ', { ok: true, value: 'production' }],
  ])('%#', (parse, text, result) => {
    expect(parse(text)).toEqual(result);
  });

  it.each([
    [parsePolarity, 'neutral', /Polarity must be one of positive, negative, got "neutral"/],
    [parsePolarity, 3, /got 3/],
    [parseSource, undefined, /Source must be one of production, contrived, import, got nothing/],
    [parseSource, 10n, /got bigint/],
  ])('%#', (parse, value, message) => {
    const result = parse(value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });
});

describe('canonicalJson', () => {
  it.each<[unknown, string]>([
    [{ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }, '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}'],
    ['text', '"text"'],
    [{ a: undefined, b: Number.NaN }, '{"b":null}'],
    [undefined, 'null'],
    [new Date(0), '"1970-01-01T00:00:00.000Z"'],
  ])('%j', (value, text) => {
    expect(canonicalJson(value)).toBe(text);
  });

  it('does not depend on key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(object));
        expect(JSON.parse(canonicalJson(object))).toEqual(JSON.parse(JSON.stringify(object)));
      }),
    );
  });
});

describe('validatePatternDraft', () => {
  it('accepts the import shape with defaults', () => {
    expect(
      validatePatternDraft(
        { problem: ' P-3 ', input: 'I didnt like it', expect: { label: 'negative' } },
        1000,
      ),
    ).toEqual({
      ok: true,
      value: {
        problem: 'P-3',
        input: 'I didnt like it',
        expectation: { label: 'negative' },
        polarity: 'positive',
        source: 'contrived',
        notes: '',
      },
    });
  });

  it('accepts every field, "expectation" as an alias and source_ref', () => {
    const result = validatePatternDraft(
      {
        problem: 'Negation',
        input: { text: 'x' },
        expectation: '{"one_of":["a","b"]}',
        polarity: 'negative',
        source: 'production',
        notes: 'from #support',
        source_ref: 'https://slack.example/p1',
      },
      1000,
      { source: 'import' },
    );
    expect(result).toEqual({
      ok: true,
      value: {
        problem: 'Negation',
        input: { text: 'x' },
        expectation: { one_of: ['a', 'b'] },
        polarity: 'negative',
        source: 'production',
        notes: 'from #support',
        sourceRef: 'https://slack.example/p1',
      },
    });
  });

  it('reports every mistake at once, by field', () => {
    const result = validatePatternDraft(
      {
        problem: '',
        input: 3,
        expect: { label: '' },
        polarity: 'meh',
        source: 'web',
        notes: 5,
        sourceRef: 1,
        extra: true,
      },
      100,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors.map((e) => e.field)).toEqual([
        'extra',
        'problem',
        'input',
        'expect',
        'polarity',
        'source',
        'notes',
        'sourceRef',
      ]);
      expect(result.errors.every((e) => e.message.length > 0)).toBe(true);
    }
  });

  it.each([
    [null, 'pattern'],
    [[1], 'pattern'],
    [{ problem: 'P-1', input: 'x' }, 'expect'],
  ])('rejects %j at %s', (raw, field) => {
    const result = validatePatternDraft(raw, 100);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.field).toBe(field);
  });
});

describe('canonicalJson and __proto__', () => {
  it('keeps an own "__proto__" key (it is data, not a prototype)', () => {
    const value = JSON.parse('{"a":{"__proto__":[1]},"b":2}');
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
    expect(canonicalJson(value)).toBe('{"a":{"__proto__":[1]},"b":2}');
  });
});
