import type { ExpectationHandler } from './handler.ts';
import { NO_LABEL, nonEmptyString, ok, predictedText, quote } from './handler.ts';

function includes(haystack: string, needle: string): boolean {
  return haystack.toLowerCase().includes(needle.toLowerCase());
}

export const containsHandler: ExpectationHandler<'contains'> = {
  extraKeys: [],
  parse(body) {
    const text = nonEmptyString(body, 'contains');
    return text.ok ? ok({ contains: text.value }) : text;
  },
  check({ contains }, prediction) {
    const got = predictedText(prediction);
    if (got === undefined)
      return { pass: false, reason: `expected text containing ${quote(contains)}, but ${NO_LABEL}` };
    const pass = includes(got, contains);
    return {
      pass,
      reason: pass
        ? `output contains ${quote(contains)}`
        : `expected output containing ${quote(contains)}, got ${quote(got)}`,
    };
  },
  describe: ({ contains }) => `contains "${contains}"`,
};

export const notContainsHandler: ExpectationHandler<'not_contains'> = {
  extraKeys: [],
  parse(body) {
    const text = nonEmptyString(body, 'not_contains');
    return text.ok ? ok({ not_contains: text.value }) : text;
  },
  check({ not_contains }, prediction) {
    const got = predictedText(prediction);
    if (got === undefined) {
      return { pass: false, reason: `expected text without ${quote(not_contains)}, but ${NO_LABEL}` };
    }
    const pass = !includes(got, not_contains);
    return {
      pass,
      reason: pass
        ? `output does not contain ${quote(not_contains)}`
        : `expected output without ${quote(not_contains)}, got ${quote(got)}`,
    };
  },
  describe: ({ not_contains }) => `does not contain "${not_contains}"`,
};
