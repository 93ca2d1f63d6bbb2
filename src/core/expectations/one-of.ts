import type { ExpectationHandler } from './handler.ts';
import { describeType, fail, NO_LABEL, normaliseLabel, ok, predictedLabel, quote } from './handler.ts';

export const oneOfHandler: ExpectationHandler<'one_of'> = {
  extraKeys: [],
  parse(body) {
    const value = body['one_of'];
    if (!Array.isArray(value))
      return fail(`"one_of" must be an array of labels, got ${describeType(value)}.`);
    if (value.length === 0) return fail('"one_of" must list at least one label.');
    const labels: string[] = [];
    for (const [i, item] of value.entries()) {
      if (typeof item !== 'string')
        return fail(`"one_of" must be an array of strings; item ${i + 1} is ${describeType(item)}.`);
      if (item.trim() === '') return fail(`"one_of" item ${i + 1} is empty.`);
      labels.push(item.trim());
    }
    return ok({ one_of: labels });
  },
  check({ one_of }, prediction) {
    const allowed = one_of.map(quote).join(', ');
    const got = predictedLabel(prediction);
    if (got === undefined) return { pass: false, reason: `expected one of ${allowed}, but ${NO_LABEL}` };
    const pass = one_of.some((label) => normaliseLabel(label) === normaliseLabel(got));
    return {
      pass,
      reason: pass
        ? `label ${quote(got)} is one of ${allowed}`
        : `expected one of ${allowed}, got ${quote(got)}`,
    };
  },
  describe: ({ one_of }) => `label ∈ {${one_of.join(', ')}}`,
};
