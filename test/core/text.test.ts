import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeSlack, findNul, shortenModelName, truncate } from '../../src/core/text.ts';

describe('escapeSlack', () => {
  it.each([
    ['a & b < c > d', 'a &amp; b &lt; c &gt; d'],
    ['<!channel> hi', '&lt;!channel&gt; hi'],
    ['<!subteam^S123|@team>', '&lt;!subteam^S123|@team&gt;'],
    ['hey @channel and @Here, @everyone', 'hey @\u200Bchannel and @\u200BHere, @\u200Beveryone'],
    ['mail me@channelfour.com', 'mail me@channelfour.com'],
    ['plain text', 'plain text'],
  ])('%j', (text, escaped) => {
    expect(escapeSlack(text)).toBe(escaped);
  });

  it('leaves no raw angle brackets or mass mentions', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const out = escapeSlack(text);
        expect(out).not.toMatch(/[<>]/);
        expect(out).not.toMatch(/@(channel|here|everyone)\b/i);
      }),
    );
  });
});

describe('truncate', () => {
  it.each([
    ['hello', 10, 'hello'],
    ['hello', 5, 'hello'],
    ['hello world', 6, 'hello…'],
    ['hello', 1, '…'],
    ['hello', 0, ''],
    ['😀😀😀😀', 3, '😀😀…'],
  ])('truncate(%j, %d) = %j', (text, max, out) => {
    expect(truncate(text, max)).toBe(out);
  });

  it('never exceeds max characters', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 0, max: 50 }), (text, max) => {
        expect(Array.from(truncate(text, max)).length).toBeLessThanOrEqual(max);
      }),
    );
  });
});

describe('shortenModelName', () => {
  it.each([
    ['sentiment-roberta-large@v12', 16, 'sentim…large@v12'],
    ['sentiment@v3', 20, 'sentiment@v3'],
    ['averyveryverylongmodelname@v2', 12, 'averyver…@v2'],
    ['abcdefghijklmnopqrstuvwxyz', 9, 'abcd…wxyz'],
    ['org/sentiment-base@2024.11.3', 14, 'org/senti…11.3'],
    ['abcdef', 3, 'ab…'],
  ])('shortenModelName(%j, %d) = %j', (name, max, out) => {
    expect(shortenModelName(name, max)).toBe(out);
  });

  it('keeps the version when it fits', () => {
    expect(shortenModelName('averyveryverylongmodelname@v2', 12)).toMatch(/….*@v2$/);
  });

  it('never exceeds max', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.integer({ min: 1, max: 40 }), (name, max) => {
        expect(Array.from(shortenModelName(name, max)).length).toBeLessThanOrEqual(max);
      }),
    );
  });
});

describe('findNul', () => {
  it.each([
    ['plain', null],
    ['a\u0000b', 'value'],
    [{ text: 'ok', nested: { deep: ['x', 'y\u0000'] } }, 'nested.deep[1]'],
    [{ 'k\u0000': 1 }, 'k\u0000'],
    [[1, 2, 3], null],
  ])('%j → %j', (value, at) => {
    expect(findNul(value)).toBe(at);
  });

  it('walks very deep values without overflowing the stack', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 50_000; i++) deep = { d: deep };
    expect(findNul(deep)).toMatch(/^d(\.d)*$/);
  });
});
