import type { ExpectationHandler } from './handler.ts';
import { NO_LABEL, nonEmptyString, normaliseLabel, ok, predictedLabel, quote } from './handler.ts';

export const labelHandler: ExpectationHandler<'label'> = {
  extraKeys: [],
  parse(body) {
    const label = nonEmptyString(body, 'label');
    return label.ok ? ok({ label: label.value.trim() }) : label;
  },
  check({ label }, prediction) {
    const got = predictedLabel(prediction);
    if (got === undefined) return { pass: false, reason: `expected label ${quote(label)}, but ${NO_LABEL}` };
    const pass = normaliseLabel(got) === normaliseLabel(label);
    return {
      pass,
      reason: pass
        ? `label is ${quote(got)} as expected`
        : `expected label ${quote(label)}, got ${quote(got)}`,
    };
  },
  describe: ({ label }) => `label = ${label}`,
};
