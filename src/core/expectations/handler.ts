import type { JsonObject } from '../json.ts';
import type {
  CheckAid,
  CheckResult,
  Expectation,
  ExpectationKind,
  PatternInput,
  Prediction,
} from '../types.ts';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** The member of the Expectation union whose kind key is K. */
export type ExpectationOf<K extends ExpectationKind> = Extract<Expectation, Record<K, unknown>>;

/** One expectation kind: how to read it from user JSON, check it, and say it in a few words. */
export interface ExpectationHandler<K extends ExpectationKind> {
  /** Keys besides the kind key this kind accepts (e.g. regex `flags`). */
  readonly extraKeys: readonly string[];
  parse(body: JsonObject): ParseResult<ExpectationOf<K>>;
  check(
    expectation: ExpectationOf<K>,
    prediction: Prediction,
    variants: readonly Prediction[],
    aid?: CheckAid,
  ): CheckResult;
  describe(expectation: ExpectationOf<K>): string;
  variantInputs?(expectation: ExpectationOf<K>): PatternInput[];
  /** Another model this kind needs an answer from before it can decide (judge, similar). */
  needs?(expectation: ExpectationOf<K>): GradingNeed;
}

/** What the worker must fetch for a check: a grader's answer to a text, or two embeddings. */
export type GradingNeed =
  | { kind: 'grader'; grader: string; rubric?: string }
  | { kind: 'embedder'; embedder: string; reference: string };

export function errored(reason: string): CheckResult {
  return { pass: false, errored: true, reason };
}

export function ok<T>(value: T): ParseResult<T> {
  return { ok: true, value };
}

export function fail<T>(error: string): ParseResult<T> {
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

export function nonEmptyString(body: JsonObject, key: string): ParseResult<string> {
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
