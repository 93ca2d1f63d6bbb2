import { describe, expect, it } from 'vitest';
import { checkExpectation, parseExpectation } from '../../src/core/expectations/index.ts';
import { MAX_REGEX_INPUT } from '../../src/core/expectations/regex.ts';
import { findNestedQuantifier } from '../../src/core/expectations/regex-safety.ts';
import { parseExpectationShorthand } from '../../src/core/expectations/shorthand.ts';
import { prediction } from './factories.ts';

describe('findNestedQuantifier', () => {
  it.each<[string, string, string]>([
    ['(a+)+', '', '(a+)+'],
    ['(a*)*', '', '(a*)*'],
    ['(.*a)+', '', '(.*a)+'],
    ['(\\w+\\s?)*', '', '(\\w+\\s?)*'],
    ['^(a+)+$', '', '(a+)+'],
    ['(?:a+)+', '', '(?:a+)+'],
    ['(?<word>a+)*', '', '(?<word>a+)*'],
    ['((a+))+', '', '((a+))+'],
    ['((a+)b)*', '', '((a+)b)*'],
    ['(a+){2,}', '', '(a+){2,}'],
    ['(a{1,})+', '', '(a{1,})+'],
    ['(a+)+?', '', '(a+)+?'],
    ['(a+?)*', '', '(a+?)*'],
    ['([a-z]+)*', '', '([a-z]+)*'],
    ['(x|y+)+', '', '(x|y+)+'],
    ['(\\p{L}+ )+', 'u', '(\\p{L}+ )+'],
    ['ok (then (a+)+) later', '', '(a+)+'],
  ])('refuses %s', (source, flags, excerpt) => {
    expect(findNestedQuantifier(source, flags)).toMatchObject({ excerpt });
  });

  it.each<[string, string]>([
    ['^pos', 'i'],
    ['a+b*c?', ''],
    ['(ab)+', ''],
    ['(a+)?', ''],
    ['(a+){2}', ''],
    ['(a+){1,3}', ''],
    ['(\\d+\\.){3}\\d+', ''],
    ['(a{2,5})+', ''],
    ['[(a+)+]', ''],
    ['\\(a+\\)+', ''],
    ['[)]+(a)+', ''],
    ['\\p{L}+', 'u'],
    ['\\u{61}+', 'u'],
    ['(?<n>a)\\k<n>+', ''],
    ['(?=a+)b', ''],
    ['[[a-z]--[aeiou]]+', 'v'],
    ['a{,5}', ''],
  ])('accepts %s', (source, flags) => {
    expect(findNestedQuantifier(source, flags)).toBeUndefined();
  });

  it('points at where the group starts', () => {
    expect(findNestedQuantifier('^x(a+)+$')).toEqual({ excerpt: '(a+)+', position: 3 });
  });
});

describe('a regex expectation that could backtrack for minutes', () => {
  it.each([['^(a+)+$'], ['(a*)*'], ['(.*a)+'], ['(\\w+\\s?)*']])('%s is refused when written', (regex) => {
    const result = parseExpectation({ regex });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.error).toMatch(/repeats a group that itself repeats without limit .*at character/);
  });

  it('is refused in the shorthand too', () => {
    expect(parseExpectationShorthand('regex:/^(a+)+$/')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/without the nesting/),
    });
  });

  it('stored before the refusal, fails its check at once instead of blocking the worker', () => {
    const started = performance.now();
    const result = checkExpectation({ regex: '^(a+)+$' }, prediction({ text: `${'a'.repeat(40)}!` }));
    expect(result).toMatchObject({ pass: false, reason: expect.stringMatching(/repeats without limit/) });
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('long outputs', () => {
  const head = 'x'.repeat(MAX_REGEX_INPUT - 6);
  const note = /\(only the first 10,000 of 20,000 characters were checked\)$/;
  it.each<[string, string, string, boolean, RegExp]>([
    ['match in the first 10,000', 'refund', `${head}refund${'y'.repeat(10_000)}`, true, note],
    ['match only past the cap', 'tail$', `${head}refund${'y'.repeat(9_996)}tail`, false, note],
    ['anchored end sees the cut', 'y$', `${head}refund${'y'.repeat(10_000)}`, false, note],
    ['short text, no note', 'refund', 'a refund', true, /^output matches \/refund\/$/],
    ['exactly at the cap, no note', 'x$', 'x'.repeat(MAX_REGEX_INPUT), true, /^output matches \/x\$\/$/],
  ])('%s', (_name, regex, text, pass, reason) => {
    const result = checkExpectation({ regex }, prediction({ text }));
    expect(result.pass).toBe(pass);
    expect(result.reason).toMatch(reason);
  });

  it('never quotes more than the checked text back', () => {
    const result = checkExpectation({ regex: 'nope' }, prediction({ text: 'z'.repeat(50_000) }));
    expect(result.reason.length).toBeLessThan(MAX_REGEX_INPUT + 200);
  });
});
