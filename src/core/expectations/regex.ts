import type { Result } from '../result.ts';
import type { ExpectationHandler } from './handler.ts';
import { describeType, fail, NO_LABEL, nonEmptyString, ok, predictedText, quote } from './handler.ts';
import { findNestedQuantifier } from './regex-safety.ts';

/**
 * Only the start of a long output is tested: a backtracking pattern's cost grows with the text, and the
 * worker cannot interrupt a running match.
 */
export const MAX_REGEX_INPUT = 10_000;

/** Builds the RegExp, turning the engine's SyntaxError, or a pattern that could backtrack for minutes, into a message. */
function compileRegex(source: string, flags: string | undefined): Result<RegExp> {
  let compiled: RegExp;
  try {
    compiled = new RegExp(source, flags);
  } catch (err) {
    return fail(
      `"regex" is not a valid regular expression: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const nested = findNestedQuantifier(source, flags);
  if (nested)
    return fail(
      [
        `"regex" repeats a group that itself repeats without limit (${nested.excerpt} at character ${nested.position}):`,
        'on some outputs that takes minutes to run. Write it without the nesting, e.g. a+ instead of (a+)+,',
        'or [\\w\\s]* instead of (\\w+\\s?)*.',
      ].join(' '),
    );
  return ok(compiled);
}

export const regexHandler: ExpectationHandler<'regex'> = {
  extraKeys: ['flags'],
  parse(body) {
    const source = nonEmptyString(body, 'regex');
    if (!source.ok) return source;
    const flags = body['flags'];
    if (flags !== undefined && typeof flags !== 'string')
      return fail(`"flags" must be a string, got ${describeType(flags)}.`);
    const compiled = compileRegex(source.value, flags);
    if (!compiled.ok) return compiled;
    return ok(flags ? { regex: source.value, flags } : { regex: source.value });
  },
  check({ regex, flags }, prediction) {
    const shown = `/${regex}/${flags ?? ''}`;
    const got = predictedText(prediction);
    if (got === undefined)
      return { pass: false, reason: `expected output matching ${shown}, but ${NO_LABEL}` };
    // Stored before the parse-time refusal existed, a dangerous pattern is still refused here.
    const compiled = compileRegex(regex, flags);
    if (!compiled.ok) return { pass: false, reason: compiled.error };
    const truncated = got.length > MAX_REGEX_INPUT;
    const tested = truncated ? got.slice(0, MAX_REGEX_INPUT) : got;
    const pass = compiled.value.test(tested);
    const note = truncated
      ? ` (only the first ${MAX_REGEX_INPUT.toLocaleString('en-US')} of ${got.length.toLocaleString('en-US')} characters were checked)`
      : '';
    return {
      pass,
      reason: pass
        ? `output matches ${shown}${note}`
        : `expected output matching ${shown}, got ${quote(tested)}${note}`,
    };
  },
  describe: ({ regex, flags }) => `matches /${regex}/${flags ?? ''}`,
};
