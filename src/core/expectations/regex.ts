import type { Result } from '../result.ts';
import type { ExpectationHandler } from './handler.ts';
import { describeType, fail, NO_LABEL, nonEmptyString, ok, predictedText, quote } from './handler.ts';
import { compileLinearRegex, type LinearRegex } from './linear-regex.ts';

/**
 * Only the start of a long output is tested: the engine is linear, but a check must still cost a bounded
 * slice of the event loop (program size × this many characters).
 */
export const MAX_REGEX_INPUT = 10_000;

/** Every result of an evaluation checks the same few patterns: compile each once per process. */
const cache = new Map<string, Result<LinearRegex>>();
const CACHE_SIZE = 500;

/** Builds the linear-time matcher, turning anything RE2 cannot run into a message. */
export function compileRegex(source: string, flags: string | undefined): Result<LinearRegex> {
  const key = `${flags ?? ''}/${source}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const compiled = compileLinearRegex(source, flags);
  if (cache.size >= CACHE_SIZE) cache.clear();
  cache.set(key, compiled);
  return compiled;
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
    // Stored before the parse-time refusal existed (a lookahead, say), a pattern is still refused here.
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
