import type { ExpectationHandler } from './handler.ts';
import { NO_LABEL, nonEmptyString, normaliseLabel, ok, predictedLabel, quote } from './handler.ts';

export const notLabelHandler: ExpectationHandler<'not_label'> = {
  extraKeys: [],
  parse(body) {
    const label = nonEmptyString(body, 'not_label');
    return label.ok ? ok({ not_label: label.value.trim() }) : label;
  },
  check({ not_label }, prediction) {
    const got = predictedLabel(prediction);
    // No answer is not the forbidden answer, but it is not a usable one either.
    if (got === undefined)
      return { pass: false, reason: `expected any label but ${quote(not_label)}, but ${NO_LABEL}` };
    const pass = normaliseLabel(got) !== normaliseLabel(not_label);
    return {
      pass,
      reason: pass
        ? `label is ${quote(got)}, not ${quote(not_label)}`
        : `expected any label but ${quote(not_label)}, got ${quote(got)}`,
    };
  },
  describe: ({ not_label }) => `label ≠ ${not_label}`,
};
