import { describe, expect, it } from 'vitest';
import { checkExpectation, parseExpectation } from '../../src/core/expectations/index.ts';
import { compileLinearRegex, MAX_REGEX_PROGRAM } from '../../src/core/expectations/linear-regex.ts';
import { MAX_REGEX_INPUT } from '../../src/core/expectations/regex.ts';
import { parseExpectationShorthand } from '../../src/core/expectations/shorthand.ts';
import { prediction } from './factories.ts';

const twelveBranches = `^(?:${Array(12).fill('.').join('|')})*Z$`;

describe('patterns that backtrack exponentially in V8 run in linear time', () => {
  // Each of these took seconds to minutes on the backtracking engine (issue 13): a hang here times the test out.
  it.each<[string, string, boolean]>([
    ['(a|a)*b', 'a'.repeat(40), false],
    [twelveBranches, 'negative', false],
    [twelveBranches, `${'x'.repeat(9_000)}Z`, true],
    ['^(a+)+$', `${'a'.repeat(MAX_REGEX_INPUT - 1)}!`, false],
    ['(\\w+\\s?)*$', `${'word '.repeat(1_999)}!`, true],
    ['((((a*)*)*)*)*b', 'a'.repeat(MAX_REGEX_INPUT), false],
  ])('%s is accepted and checked', (regex, text, pass) => {
    expect(parseExpectation({ regex })).toMatchObject({ ok: true });
    expect(checkExpectation({ regex }, prediction({ text })).pass).toBe(pass);
  });
});

describe('what RE2 cannot run is refused when written, with a reason', () => {
  it.each<[string, RegExp]>([
    ['(a)\\1', /a backreference \(\\1 at character 4\)/],
    ['(?<w>a)\\k<w>', /a backreference \(\\k<w> at character 8\)/],
    ['a(?=b)', /a lookahead \(\(\?= at character 2\)/],
    ['a(?!b)', /a negative lookahead/],
    ['(?<=a)b', /a lookbehind \(\(\?<= at character 1\)/],
    ['(?<!a)b', /a negative lookbehind/],
    ['[\\s\\S]{1000}[\\s\\S]{1000}x', /too large to check quickly .*limit is 2000/],
    ['(', /not a valid regular expression: .*missing closing \)/],
    ['a{1001}', /not a valid regular expression: .*invalid repeat count/],
  ])('%s', (regex, error) => {
    const parsed = parseExpectation({ regex });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error).toMatch(error);
      if (/back|look/.test(error.source)) expect(parsed.error).toMatch(/linear-time regex engine \(RE2\)/);
    }
  });

  it.each<[string, RegExp]>([
    ['g', /"g" is not supported/],
    ['y', /"y" is not supported/],
    ['v', /"v" is not supported/],
    ['zz', /"z" is not supported/],
  ])('flags %s', (flags, error) => {
    expect(parseExpectation({ regex: 'a', flags })).toMatchObject({
      ok: false,
      error: expect.stringMatching(error),
    });
  });

  it('escaped or bracketed look-alikes are plain characters', () => {
    for (const regex of ['\\(?=x', '[(?=]x', '\\\\(?:1)', '[]\\]](?:a)'])
      expect(parseExpectation({ regex }), regex).toMatchObject({ ok: true });
  });

  it('the shorthand says the same', () => {
    expect(parseExpectationShorthand('regex:/a(?=b)/')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/a lookahead/),
    });
  });

  it('a stored lookahead (saved before the engine changed) fails its check with the reason', () => {
    expect(checkExpectation({ regex: 'pos(?=itive)' }, prediction({ text: 'positive' }))).toEqual({
      pass: false,
      reason: expect.stringMatching(/a lookahead .*cannot run/),
    });
  });
});

describe('JavaScript syntax users write keeps its meaning', () => {
  it.each<[string, string, string, boolean]>([
    ['^pos', 'i', 'Positive', true],
    ['^pos', '', 'Positive', false],
    ['^b$', 'm', 'a\nb\nc', true],
    ['a.c', 's', 'a\nc', true],
    ['a.c', '', 'a\nc', false],
    ['\\d+\\s\\w', '', '12 a', true],
    ['\\u00e9t\\u00e9', '', 'été', true],
    ['\\p{L}+$', 'u', 'héllo', true],
    ['(?<word>ok)', '', 'is ok', true],
    ['a/b', '', 'a/b', true],
    ['[^\\n]+', '', 'x', true],
  ])('/%s/%s on %j', (regex, flags, text, pass) => {
    const compiled = compileLinearRegex(regex, flags);
    expect(compiled.ok).toBe(true);
    if (compiled.ok) expect(compiled.value.test(text)).toBe(pass);
  });

  it('a program just under the cap compiles', () => {
    expect(compileLinearRegex('[\\s\\S]{1000}[\\s\\S]{1000}').ok).toBe(false);
    expect(compileLinearRegex(`[\\s\\S]{${MAX_REGEX_PROGRAM / 2 - 10}}x`).ok).toBe(true);
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
