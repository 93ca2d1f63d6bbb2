import type { Prediction } from '../core/expectations/handler.ts';
import { isPlainObject } from '../core/json.ts';
import type { PatternInput } from '../core/pattern.ts';

/** Text models get strings as they are; structured inputs travel as their JSON where a protocol wants text. */
export function inputText(input: PatternInput): string {
  return typeof input === 'string' ? input : JSON.stringify(input);
}

/**
 * Reads a JSON pointer (`/result/label`, RFC 6901) or a dotted path (`result.label`, `results.0.label`).
 * Undefined when any step is missing.
 */
export function readPath(value: unknown, path: string): unknown {
  const steps = path.startsWith('/')
    ? path
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    : path.split('.');
  let current = value;
  for (const step of steps) {
    if (path === '/') return current;
    if (Array.isArray(current) && /^\d+$/.test(step)) current = current[Number(step)];
    else if (isPlainObject(current) && Object.hasOwn(current, step)) current = current[step];
    else return undefined;
  }
  return current;
}

/** Index of the largest value; the first wins a tie. */
export function argmax(row: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if ((row[i] ?? -Infinity) > (row[best] ?? -Infinity)) best = i;
  return best;
}

/** A probability (or logit) row becomes the top label, named through `labels` when given, and its value. */
function fromScores(row: readonly number[], labels: readonly string[] | undefined, raw: unknown): Prediction {
  const i = argmax(row);
  return { label: labels?.[i] ?? String(i), score: row[i] ?? 0, raw };
}

function isNumberArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}

/**
 * The shapes models answer one input with: a label string, a score number, a `{label, score}` object
 * (also `class`/`prediction`), or a row of probabilities. Anything else is a sentence saying why not.
 */
export function toPrediction(value: unknown, labels?: readonly string[]): Prediction | string {
  if (typeof value === 'string') return { label: value, raw: value };
  if (typeof value === 'number' && Number.isFinite(value)) return { score: value, raw: value };
  if (typeof value === 'boolean') return { label: String(value), raw: value };
  if (isNumberArray(value)) return fromScores(value, labels, value);
  if (isPlainObject(value)) {
    const label = ['label', 'class', 'prediction'].map((k) => value[k]).find((v) => typeof v === 'string');
    const score = value['score'];
    const prediction: Prediction = { raw: value };
    if (typeof label === 'string') prediction.label = label;
    if (typeof score === 'number') prediction.score = score;
    if (prediction.label !== undefined || prediction.score !== undefined) return prediction;
    return `prediction object has no label or score (keys: ${Object.keys(value).slice(0, 5).join(', ')})`;
  }
  return `unrecognised prediction ${describeValue(value)}`;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array of ${value.length}`;
  return typeof value;
}

/** Many predictions, or the first reason one of them could not be read. */
export function toPredictions(values: readonly unknown[], labels?: readonly string[]): Prediction[] | string {
  const out: Prediction[] = [];
  for (const [i, v] of values.entries()) {
    const p = toPrediction(v, labels);
    if (typeof p === 'string') return `prediction ${i}: ${p}`;
    out.push(p);
  }
  return out;
}
