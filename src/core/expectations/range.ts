import { isPlainObject } from '../json.ts';
import type { ExpectationHandler } from './handler.ts';
import { describeType, fail, ok } from './handler.ts';

type Bounds = { min?: number; max?: number };

function showBounds({ min, max }: Bounds): string {
  if (min !== undefined && max !== undefined) return `between ${min} and ${max}`;
  if (min !== undefined) return `at least ${min}`;
  return `at most ${max}`;
}

export const rangeHandler: ExpectationHandler<'range'> = {
  extraKeys: [],
  parse(body) {
    const value = body['range'];
    if (!isPlainObject(value))
      return fail(`"range" must be an object like {"min": 0.5, "max": 1}, got ${describeType(value)}.`);
    const unknown = Object.keys(value).filter((k) => k !== 'min' && k !== 'max');
    if (unknown.length > 0)
      return fail(`"range" only takes "min" and "max", not ${unknown.map((k) => `"${k}"`).join(', ')}.`);
    const bounds: Bounds = {};
    for (const key of ['min', 'max'] as const) {
      const bound = value[key];
      if (bound === undefined) continue;
      if (typeof bound !== 'number' || !Number.isFinite(bound)) {
        return fail(`"range.${key}" must be a finite number, got ${describeType(bound)}.`);
      }
      bounds[key] = bound;
    }
    if (bounds.min === undefined && bounds.max === undefined)
      return fail('"range" needs at least one of "min" or "max".');
    if (bounds.min !== undefined && bounds.max !== undefined && bounds.min > bounds.max) {
      return fail(`"range.min" (${bounds.min}) is greater than "range.max" (${bounds.max}).`);
    }
    return ok({ range: bounds });
  },
  check({ range }, prediction) {
    const score = prediction.score;
    if (typeof score !== 'number' || Number.isNaN(score)) {
      return {
        pass: false,
        reason: `expected a score ${showBounds(range)}, but the model returned no score`,
      };
    }
    const pass =
      (range.min === undefined || score >= range.min) && (range.max === undefined || score <= range.max);
    return {
      pass,
      reason: pass
        ? `score ${score} is ${showBounds(range)}`
        : `expected a score ${showBounds(range)}, got ${score}`,
    };
  },
  describe: ({ range }) => `score ${showBounds(range)}`,
};
