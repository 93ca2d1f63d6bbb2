import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkExpectation, parseExpectation } from '../../src/core/expectations/index.ts';
import { checkVariants, MAX_VARIANTS } from '../../src/core/pattern.ts';
import { storableJson } from '../../src/core/storable.ts';
import { findUnstorable } from '../../src/core/text.ts';
import { createRedactor } from '../../src/endpoints/redact.ts';
import { prediction } from './factories.ts';

/**
 * Property tests for the input classes of issue 13. Each counts what it tried and refused, so the figures
 * can be reported; a crash is any throw, and every property also asserts nothing was lost.
 */
const figures: Record<string, { tried: number; refused: number }> = {};
const count = (cls: string, refused: boolean) => {
  const f = figures[cls] ?? { tried: 0, refused: 0 };
  figures[cls] = f;
  f.tried++;
  if (refused) f.refused++;
};

const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Regex source built from the pieces that make backtracking engines explode, and the ones RE2 lacks. */
const regexPiece = fc.constantFrom(
  'a',
  '.',
  '\\w',
  '\\s',
  '\\d',
  '[ab]',
  '[^a]',
  '(a|a)',
  '(a|ab)',
  '(?:.|.)',
  'a*',
  'a+',
  '(a+)+',
  '(.*)*',
  '{2,5}',
  '?',
  '|',
  '^',
  '$',
  '\\1',
  '(?=a)',
  '(?!a)',
  '(?<=a)',
  '(?<!a)',
  '\\k<n>',
  '(?<n>a)',
  '[',
  ')',
  '(',
  '{1000}',
  '\\p{L}',
  '\\u00e9',
  'Z',
  'negative',
);
const regexArb = fc.array(regexPiece, { minLength: 1, maxLength: 14 }).map((p) => p.join(''));
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.integer({ min: 1, max: 10_000 }).map((n) => 'a'.repeat(n)),
  fc.constantFrom('negative', `${'a'.repeat(5_000)}!`, `${'x'.repeat(9_000)}Z`),
);

describe('hostile input classes never crash and never lose anything', () => {
  it('regex expectations: any source is accepted or refused with a reason, and checks finish', () => {
    fc.assert(
      fc.property(
        regexArb,
        fc.constantFrom('', 'i', 'm', 's', 'u', 'g', 'y'),
        hostileText,
        (regex, flags, text) => {
          const parsed = parseExpectation(flags ? { regex, flags } : { regex });
          count('regex source', !parsed.ok);
          if (!parsed.ok) {
            expect(parsed.error.length).toBeGreaterThan(10);
            return;
          }
          const result = checkExpectation(parsed.value, prediction({ text }));
          expect(typeof result.pass).toBe('boolean');
          expect(result.reason).not.toBe('');
        },
      ),
      { numRuns: 400 },
    );
  });

  it('model outputs: whatever the strings, the stored copy holds nothing Postgres refuses, and keeps every key', () => {
    const strings = fc.string({ unit: 'binary', maxLength: 30 });
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 6 }),
        fc.dictionary(strings, strings, { maxKeys: 5 }),
        (value, extra) => {
          const input = { value, ...extra };
          const stored = storableJson(input);
          count('model output', stored.replaced > 0);
          const text = JSON.stringify(stored.value);
          expect(UNSTORABLE.test(text)).toBe(false);
          expect(JSON.stringify(stored.value).includes('\\ud8')).toBe(false);
          expect(Object.keys(stored.value as object)).toHaveLength(Object.keys(input).length);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('variants: refused exactly when one is oversized, deep, or there are too many', () => {
    const variant = fc.oneof(
      fc.string({ minLength: 1, maxLength: 300 }).filter((s) => s.trim() !== ''),
      fc
        .integer({ min: 1, max: 200 })
        .map((n) => JSON.parse(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`) as unknown),
    );
    fc.assert(
      fc.property(fc.array(variant, { maxLength: 70 }), (variants) => {
        const error = checkVariants(variants, 2048);
        count('invariant variants', error !== null);
        if (variants.length > MAX_VARIANTS) expect(error).toMatch(/the limit is 50/);
        if (error === null) expect(variants.length).toBeLessThanOrEqual(MAX_VARIANTS);
      }),
      { numRuns: 300 },
    );
  });

  it('user JSON: broken Unicode and deep nesting are always found, wherever they are', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 5 }),
        fc.constantFrom('\u0000', '\ud800', '\udfff', ''),
        (value, bad) => {
          const input = bad ? { wrapped: [value, `x${bad}y`] } : value;
          const found = findUnstorable(input);
          count('user JSON', found !== null);
          if (bad) expect(found).not.toBeNull();
          if (found === null) expect(UNSTORABLE.test(JSON.stringify(input) ?? '')).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('echoed secrets: no encoded copy survives redaction', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 8, maxLength: 40 }),
        fc.string({ maxLength: 20 }),
        (secret, around) => {
          const r = createRedactor([secret]);
          const forms = [
            secret,
            secret.toUpperCase(),
            secret.toLowerCase(),
            encodeURIComponent(secret),
            Buffer.from(secret).toString('base64'),
            Buffer.from(secret).toString('base64url'),
          ];
          const out = r.text(forms.map((f) => `${around}${f}${around}`).join(' '));
          count('echoed secret', false);
          for (const f of forms) expect(out.includes(f), f).toBe(false);
          expect(out).toContain('[redacted]');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reports its figures', () => {
    // Printed for the closing note: inputs tried per class and how many were refused; crashes are failures above.
    process.stdout.write(`hostile-input figures ${JSON.stringify(figures)}\n`);
    expect(Object.keys(figures).length).toBe(5);
  });
});
