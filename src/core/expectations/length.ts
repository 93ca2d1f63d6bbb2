import { isPlainObject } from '../json.ts';
import type { ExpectationHandler } from './handler.ts';
import { describeType, fail, NO_LABEL, ok, predictedText } from './handler.ts';

type Unit = 'chars' | 'words';
type Bounds = { min?: number; max?: number; unit: Unit };

const KEYS = ['min', 'max', 'unit'];

/** Code points, not UTF-16 units: an emoji is one character to the person reading the reply. */
function measure(text: string, unit: Unit): number {
  if (unit === 'words') return text.split(/\s+/u).filter((w) => w !== '').length;
  return [...text].length;
}

function showBounds({ min, max, unit }: Bounds): string {
  const u = unit === 'words' ? 'words' : 'characters';
  if (min !== undefined && max !== undefined) return `${min}–${max} ${u}`;
  if (min !== undefined) return `at least ${min} ${u}`;
  return `at most ${max} ${u}`;
}

export const lengthHandler: ExpectationHandler<'length'> = {
  extraKeys: [],
  parse(body) {
    const value = body['length'];
    if (!isPlainObject(value))
      return fail(
        `"length" must be an object like {"min": 1, "max": 400, "unit": "chars"}, got ${describeType(value)}.`,
      );
    const unknown = Object.keys(value).filter((k) => !KEYS.includes(k));
    if (unknown.length > 0)
      return fail(
        `"length" only takes "min", "max" and "unit", not ${unknown.map((k) => `"${k}"`).join(', ')}.`,
      );
    const unit = value['unit'] ?? 'chars';
    if (unit !== 'chars' && unit !== 'words')
      return fail(`"length.unit" must be "chars" or "words", got ${JSON.stringify(unit)}.`);
    const bounds: Bounds = { unit };
    for (const key of ['min', 'max'] as const) {
      const bound = value[key];
      if (bound === undefined) continue;
      if (typeof bound !== 'number' || !Number.isInteger(bound) || bound < 0)
        return fail(`"length.${key}" must be a whole number of at least 0, got ${JSON.stringify(bound)}.`);
      bounds[key] = bound;
    }
    if (bounds.min === undefined && bounds.max === undefined)
      return fail('"length" needs at least one of "min" or "max".');
    if (bounds.min !== undefined && bounds.max !== undefined && bounds.min > bounds.max)
      return fail(`"length.min" (${bounds.min}) is greater than "length.max" (${bounds.max}).`);
    return ok({ length: bounds });
  },
  check({ length }, prediction) {
    const text = predictedText(prediction);
    if (text === undefined) return { pass: false, reason: `expected ${showBounds(length)}, but ${NO_LABEL}` };
    const n = measure(text, length.unit);
    const pass =
      (length.min === undefined || n >= length.min) && (length.max === undefined || n <= length.max);
    const unit = length.unit === 'words' ? 'words' : 'characters';
    return {
      pass,
      reason: pass
        ? `output has ${n} ${unit} (${showBounds(length)})`
        : `expected ${showBounds(length)}, got ${n}`,
    };
  },
  describe: ({ length }) => `length ${showBounds(length)}`,
};
