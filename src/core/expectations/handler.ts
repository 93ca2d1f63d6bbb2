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
  | { invariant: PatternInput[] }
  | { direction: { from: PatternInput; score: 'up' | 'down' } }
  | { json_schema: { [key: string]: unknown } | boolean }
  | { length: { min?: number; max?: number; unit: 'chars' | 'words' } }
  | { judge: JudgeSpec }
  | { similar: { to: string; min: number; embedder: string } };

/** A grader's verdict decides: by its label or score (any adapter), or by a rubric (an LLM over openai). */
export type JudgeSpec =
  | { grader: string; label?: string; not_label?: string; min_score?: number; max_score?: number }
  | { grader: string; rubric: string };

export type ExpectationKind =
  | 'label'
  | 'one_of'
  | 'not_label'
  | 'contains'
  | 'not_contains'
  | 'regex'
  | 'range'
  | 'invariant'
  | 'direction'
  | 'json_schema'
  | 'length'
  | 'judge'
  | 'similar';

/** Tokens as the protocol reports them (OpenAI `usage`); absent when it does not. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** What an endpoint adapter hands back for one input, normalised. */
export interface Prediction {
  label?: string;
  score?: number;
  text?: string;
  /** Embedding models answer with a vector. */
  embedding?: number[];
  usage?: TokenUsage;
  raw: unknown;
}

/**
 * What another model said about an output, fetched by the worker before the core decides: a grader's
 * prediction for `judge`, embeddings of output and reference for `similar`. The core never calls anything.
 */
export interface CheckAid {
  grade?: { grader: string; prediction?: Prediction; error?: string };
  embeddings?: { embedder: string; output?: number[]; reference?: number[]; error?: string };
}

/** A check never throws for a failed expectation: it says so, with a reason a person can read. */
export interface CheckResult {
  pass: boolean;
  reason: string;
  /** The check could not be made (a grader answer that does not parse, a missing embedding): errored, never failed. */
  errored?: boolean;
}

/** The member of the Expectation union whose kind key is K. */
export type ExpectationOf<K extends ExpectationKind> = Extract<Expectation, Record<K, unknown>>;

/** One expectation kind: how to read it from user JSON, check it, and say it in a few words. */
export interface ExpectationHandler<K extends ExpectationKind> {
  /** Keys besides the kind key this kind accepts (e.g. regex `flags`). */
  readonly extraKeys: readonly string[];
  parse(body: JsonObject): Result<ExpectationOf<K>>;
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
