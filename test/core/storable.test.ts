import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStorableJson, MAX_STORED_DEPTH, storableJson } from '../../src/core/storable.ts';

function nested(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

describe('isStorableJson', () => {
  it.each([
    ['a plain object', { label: 'pos', score: 0.5, raw: [1, 2, { x: null }] }, true],
    ['null', null, true],
    ['a number', 3, true],
    ['a NUL in a string', { label: 'a\u0000b' }, false],
    ['a NUL in a key', { 'a\u0000': 1 }, false],
    ['an unpaired high surrogate', ['\ud800x'], false],
    ['an unpaired low surrogate', '\udc00', false],
    ['a paired surrogate (emoji)', { label: '\ud83d\ude00' }, true],
    ['nesting just under the cut', nested(MAX_STORED_DEPTH), true],
    ['nesting at the cut', nested(MAX_STORED_DEPTH + 1), false],
    ['a Date (not plain)', { at: new Date(0) }, false],
  ])('%s → %s', (_name, value, expected) => {
    expect(isStorableJson(value)).toBe(expected);
  });

  it('says clean exactly when the copying path would change nothing, and a clean value comes back as itself', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom('', '\u0000', '\ud800', '\udfff', 'ok'), (json, extra) => {
        const value = { json, extra };
        const clean = isStorableJson(value);
        const stored = storableJson(value);
        expect(clean).toBe(stored.replaced === 0 && stored.cut === 0);
        if (clean) expect(stored.value).toBe(value);
        else expect(isStorableJson(stored.value)).toBe(true);
      }),
    );
  });
});
