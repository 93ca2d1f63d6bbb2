import type { JsonObject } from '../json.ts';
import type { Result } from '../result.ts';

/** What a pattern feeds the model: a string for text models, an object for structured inputs. */
export type PatternInput = string | { [key: string]: unknown };

/** The JSON users write, one kind per expectation. */
export type Expectation =
  | { label: string }
  | { one_of: string[] }
  | { not_label: string }
  | { contains: string }
  | { not_contains: string }
  | { regex: string; flags?: string }
  | { range: { min?: number; max?: number } }
  | { invariant: PatternInput[] };

export type ExpectationKind =
  | 'label'
  | 'one_of'
  | 'not_label'
  | 'contains'
  | 'not_contains'
  | 'regex'
  | 'range'
  | 'invariant';

/** What an endpoint adapter hands back for one input, normalised. */
export interface Prediction {
  label?: string;
  score?: number;
  text?: string;
  raw: unknown;
}

/** A check never throws for a failed expectation: it says so, with a reason a person can read. */
export interface CheckResult {
  pass: boolean;
  reason: string;
}

/** The member of the Expectation union whose kind key is K. */
export type ExpectationOf<K extends ExpectationKind> = Extract<Expectation, Record<K, unknown>>;

/** One expectation kind: how to read it from user JSON, check it, and say it in a few words. */
export interface ExpectationHandler<K extends ExpectationKind> {
  /** Keys besides the kind key this kind accepts (e.g. regex `flags`). */
  readonly extraKeys: readonly string[];
  parse(body: JsonObject): Result<ExpectationOf<K>>;
  check(expectation: ExpectationOf<K>, prediction: Prediction, variants: readonly Prediction[]): CheckResult;
  describe(expectation: ExpectationOf<K>): string;
  variantInputs?(expectation: ExpectationOf<K>): PatternInput[];
}

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T>(error: string): Result<T> {
  return { ok: false, error };
}

export function normaliseLabel(label: string): string {
  return label.trim().toLowerCase();
}

/** The label a prediction stands for: its label, else its text (generative models answer in text). */
export function predictedLabel(prediction: Prediction): string | undefined {
  return prediction.label ?? prediction.text;
}

/** The text a prediction stands for: its text, else its label. */
export function predictedText(prediction: Prediction): string | undefined {
  return prediction.text ?? prediction.label;
}

export function quote(value: string): string {
  return JSON.stringify(value);
}

export function nonEmptyString(body: JsonObject, key: string): Result<string> {
  const value = body[key];
  if (typeof value !== 'string') return fail(`"${key}" must be a string, got ${describeType(value)}.`);
  if (value.trim() === '') return fail(`"${key}" must not be empty.`);
  return ok(value);
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

export const NO_LABEL = 'the model returned no label or text';
