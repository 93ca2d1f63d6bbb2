import { isPlainObject } from '../json.ts';
import type { ExpectationHandler, Prediction } from './handler.ts';
import { describeType, fail, NO_LABEL, normaliseLabel, ok, predictedLabel, quote } from './handler.ts';

/** What two predictions must agree on: the label (or text), ignoring case and surrounding space. */
function answer(prediction: Prediction): string | undefined {
  const label = predictedLabel(prediction);
  return label === undefined ? undefined : normaliseLabel(label);
}

/** CheckList's INV test: perturbations that should not matter must not change the prediction. */
export const invariantHandler: ExpectationHandler<'invariant'> = {
  extraKeys: [],
  parse(body) {
    const value = body['invariant'];
    if (!Array.isArray(value))
      return fail(`"invariant" must be an array of variant inputs, got ${describeType(value)}.`);
    if (value.length === 0) return fail('"invariant" must list at least one variant input.');
    for (const [i, item] of value.entries()) {
      if (typeof item === 'string') {
        if (item.trim() === '') return fail(`"invariant" variant ${i + 1} is empty.`);
      } else if (!isPlainObject(item)) {
        return fail(`"invariant" variant ${i + 1} must be a string or an object, got ${describeType(item)}.`);
      }
    }
    return ok({ invariant: value as (string | Record<string, unknown>)[] });
  },
  check({ invariant }, prediction, variants) {
    const main = answer(prediction);
    if (main === undefined) return { pass: false, reason: `invariance cannot be checked: ${NO_LABEL}` };
    if (variants.length < invariant.length) {
      return {
        pass: false,
        reason: `expected predictions for ${invariant.length} variant(s), got ${variants.length}`,
      };
    }
    for (const [i, variant] of invariant.entries()) {
      const got = answer(variants[i] as Prediction);
      if (got !== main) {
        const shown = typeof variant === 'string' ? quote(variant) : JSON.stringify(variant);
        return {
          pass: false,
          reason: `expected the same prediction ${quote(main)} for variant ${shown}, got ${got === undefined ? 'none' : quote(got)}`,
        };
      }
    }
    return { pass: true, reason: `all ${invariant.length} variant(s) predicted ${quote(main)}` };
  },
  describe: ({ invariant }) =>
    `invariant under ${invariant.length} variant${invariant.length === 1 ? '' : 's'}`,
  variantInputs: ({ invariant }) => [...invariant],
};
