import type { ExpectationHandler, ParseResult } from './handler.ts';
import { describeType, fail, NO_LABEL, nonEmptyString, ok, predictedText, quote } from './handler.ts';

/** Builds the RegExp, turning the engine's SyntaxError into a message. */
export function compileRegex(source: string, flags: string | undefined): ParseResult<RegExp> {
  try {
    return ok(new RegExp(source, flags));
  } catch (err) {
    return fail(
      `"regex" is not a valid regular expression: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
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
    const compiled = compileRegex(regex, flags);
    if (!compiled.ok) return { pass: false, reason: compiled.error };
    const pass = compiled.value.test(got);
    return {
      pass,
      reason: pass ? `output matches ${shown}` : `expected output matching ${shown}, got ${quote(got)}`,
    };
  },
  describe: ({ regex, flags }) => `matches /${regex}/${flags ?? ''}`,
};
