import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Expectation } from '../../src/core/expectations/handler.ts';
import { parseExpectation } from '../../src/core/expectations/index.ts';
import type { PatternInput } from '../../src/core/pattern.ts';
import { canonicalJson } from '../../src/core/pattern.ts';
import { effectOf, suggestRelated } from '../../src/core/suggest/index.ts';
import { DIMINISHERS, INTENSIFIERS } from '../../src/core/suggest/lexicon.ts';

/** Sentences made of the words the perturbations look for, so every family gets exercised. */
const word = fc.constantFrom(
  'the',
  'app',
  'support',
  'was',
  'is',
  'great',
  'good',
  'terrible',
  'slow',
  'very',
  'somewhat',
  'not',
  "isn't",
  "it's",
  'I',
  'love',
  'hate',
  'it',
  'Maria',
  'John',
  'London',
  'Paris',
  '3',
  '2024',
  'never',
  'really',
  'a bit',
  'do not',
  'we',
  'like',
  'fast',
  'and',
  'they',
  'are',
  'helpful',
  'cannot',
);
const sentence = fc
  .tuple(fc.array(word, { minLength: 1, maxLength: 14 }), fc.constantFrom('', '.', '!', '?', '...'))
  .map(([ws, end]) => ws.join(' ') + end);
const anyText = fc.oneof(
  sentence,
  fc.string({ minLength: 1, maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);
const expectation: fc.Arbitrary<Expectation> = fc.oneof(
  fc.constantFrom<Expectation>(
    { label: 'positive' },
    { label: 'negative' },
    { label: 'NEGATIVE' },
    { label: 'neutral' },
    { not_label: 'positive' },
    { contains: 'refund' },
    { range: { min: 0.5 } },
  ),
  sentence.map((s): Expectation => ({ invariant: [s] })),
);
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const n = fc.integer({ min: 1, max: 30 });

const NEGATION = /\b(not|no|never|cannot)\b|n['’]t\b/i;
const SELF_CONTAINED = ['label', 'one_of', 'not_label', 'contains', 'not_contains', 'regex', 'range'];

function countOf(list: readonly string[], text: string): number {
  return list.reduce(
    (sum, w) => sum + (text.toLowerCase().match(new RegExp(`\\b${w}\\b`, 'g'))?.length ?? 0),
    0,
  );
}

describe('suggestRelated', () => {
  it('gives the same proposals for the same pattern and seed', () => {
    fc.assert(
      fc.property(anyText, expectation, seed, n, (input, exp, s, count) => {
        const a = suggestRelated({ input, expectation: exp }, { seed: s, n: count });
        const b = suggestRelated({ input, expectation: exp }, { seed: s, n: count });
        expect(b).toEqual(a);
      }),
    );
  });

  it('never proposes the original, never the same input twice, and at most n', () => {
    fc.assert(
      fc.property(anyText, expectation, seed, n, (input, exp, s, count) => {
        const proposals = suggestRelated({ input, expectation: exp }, { seed: s, n: count });
        expect(proposals.length).toBeLessThanOrEqual(count);
        const keys = proposals.map((p) => canonicalJson(p.input));
        expect(keys).not.toContain(canonicalJson(input));
        expect(new Set(keys).size).toBe(keys.length);
        for (const p of proposals) expect(typeof p.input === 'string' && p.input.trim()).toBeTruthy();
      }),
    );
  });

  it('implies expectations consistent with each perturbation, and valid ones', () => {
    fc.assert(
      fc.property(sentence, expectation, seed, (input, exp, s) => {
        for (const p of suggestRelated({ input, expectation: exp }, { seed: s, n: 30 })) {
          expect(parseExpectation(p.expectation).ok).toBe(true);
          const effect = effectOf(p.perturbation);
          const text = p.input as string;
          if (effect === 'invariance') {
            expect(p.implied).toBe('invariance');
            const self = SELF_CONTAINED.includes(Object.keys(exp)[0] as string);
            expect(p.expectation).toEqual(self ? exp : { invariant: [input] });
            continue;
          }
          // Only a sentiment label tells which way negation or an intensifier moves the answer.
          expect('label' in exp && /^(positive|negative)$/i.test(exp.label)).toBe(true);
          const label = 'label' in exp ? exp.label : '';
          const positive = label.toLowerCase() === 'positive';
          if (effect === 'negation') {
            expect(p.implied).toBe('change');
            if (p.perturbation === 'negation:add') {
              expect(NEGATION.test(input)).toBe(false);
              expect(NEGATION.test(text)).toBe(true);
              expect(p.expectation).toEqual(positive ? { label: 'negative' } : { not_label: label });
            } else {
              expect(NEGATION.test(input)).toBe(true);
              expect(NEGATION.test(text)).toBe(false);
              expect(p.expectation).toEqual({
                label: positive ? 'negative' : label === 'NEGATIVE' ? 'POSITIVE' : 'positive',
              });
            }
            continue;
          }
          // Only praise implies a direction: both readings of a score ("how positive", "how sure") agree there.
          expect(p.implied).toBe('direction');
          expect(positive).toBe(true);
          expect(p.expectation).toEqual({
            direction: { from: input, score: effect === 'intensify' ? 'up' : 'down' },
          });
          // The edit really added or removed a modifier of the kind it names.
          const list = p.perturbation.startsWith('intensifier') ? INTENSIFIERS : DIMINISHERS;
          const delta = countOf(list, text) - countOf(list, input);
          expect(p.perturbation.endsWith(':add') ? delta > 0 : delta < 0).toBe(true);
        }
      }),
    );
  });

  it('perturbs only the longest text field of a structured input', () => {
    fc.assert(
      fc.property(sentence, seed, (text, s) => {
        const input: PatternInput = { text, lang: 'e', id: 7 };
        for (const p of suggestRelated({ input, expectation: { label: 'positive' } }, { seed: s })) {
          const out = p.input as Record<string, unknown>;
          expect(out['lang']).toBe('e');
          expect(out['id']).toBe(7);
          expect(out['text']).not.toBe(text);
        }
      }),
    );
  });

  it('spreads about ten proposals over many perturbations for a rich sentence', () => {
    const input = "The support from Maria in London was great, it's fixed in 3 days.";
    const proposals = suggestRelated({ input, expectation: { label: 'positive' } }, { seed: 7 });
    expect(proposals).toHaveLength(10);
    expect(new Set(proposals.map((p) => p.perturbation)).size).toBe(10);
    const kinds = new Set(proposals.map((p) => p.implied));
    expect(kinds.size).toBeGreaterThan(1);
    expect(suggestRelated({ input, expectation: { label: 'positive' } }, { seed: 8 })).not.toEqual(proposals);
  });

  it('proposes nothing for an input with no text and clamps n', () => {
    expect(suggestRelated({ input: { x: 1 }, expectation: { label: 'a' } })).toEqual([]);
    expect(suggestRelated({ input: 'good', expectation: { label: 'positive' } }, { n: 0 })).toEqual([]);
    const many = suggestRelated(
      { input: 'The app is good and fast, John.', expectation: { label: 'positive' } },
      { n: 10_000 },
    );
    expect(many.length).toBeLessThanOrEqual(50);
  });
});
