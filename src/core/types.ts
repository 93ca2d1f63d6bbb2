/**
 * The vocabulary of Canary, shared by every layer. Pure types: no I/O, no clock.
 * Implementations live beside this file (expectations/, metrics.ts, statistics.ts, compare.ts, gate.ts, …).
 */

export type ProblemStatus = 'open' | 'monitoring' | 'resolved' | 'wont_fix';
export type Severity = 'low' | 'medium' | 'high' | 'critical';
export type Polarity = 'positive' | 'negative';
export type PatternSource = 'production' | 'contrived' | 'import';
export type ModelStatus = 'candidate' | 'production' | 'retired';
export type EvaluationTrigger = 'register' | 'backfill' | 'manual' | 'ci';
export type EvaluationStatus = 'queued' | 'running' | 'done' | 'failed';
export type OutcomeStatus = 'passed' | 'failed' | 'errored';

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

export interface Problem {
  id: number;
  key: string;
  title: string;
  description: string;
  status: ProblemStatus;
  severity: Severity;
  threshold: number | null;
  ownerId: string | null;
  creatorId: string | null;
  homeChannel: string | null;
  homeTs: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Pattern {
  id: number;
  problemId: number;
  /** The current (latest) revision. */
  revisionId: number;
  revision: number;
  input: PatternInput;
  expectation: Expectation;
  polarity: Polarity;
  source: PatternSource;
  sourceChannel: string | null;
  sourceTs: string | null;
  sourcePermalink: string | null;
  creatorId: string | null;
  notes: string;
  active: boolean;
  /** Who deactivated it and when; null while active (absent where a caller builds a Pattern by hand). */
  deactivatedAt?: Date | null;
  deactivatedBy?: string | null;
  createdAt: Date;
}

export interface EndpointConfig {
  adapter: 'kserve-v2' | 'tfserving' | 'mlflow' | 'openai' | 'http';
  url: string;
  /** Adapter-specific options (batchSize, concurrency, timeoutMs, retries, labels, headersFromEnv, …). */
  options: Record<string, unknown>;
}

export interface Model {
  id: number;
  name: string;
  version: string;
  endpoint: EndpointConfig;
  metrics: Record<string, number>;
  status: ModelStatus;
  repeats: number;
  registeredBy: string | null;
  slackChannel: string | null;
  slackTs: string | null;
  registeredAt: Date;
  /** Set together with status 'retired'; null otherwise (absent where a caller builds a Model by hand). */
  retiredAt?: Date | null;
  retiredBy?: string | null;
}

/** One pattern revision's outcome on one model (runs folded together when repeats > 1). */
export interface PatternOutcome {
  patternId: number;
  patternRevisionId: number;
  /** For repeats > 1: passed when every run passed, failed when none did, flaky is set when runs disagree. */
  status: OutcomeStatus;
  /** Share of passing runs among non-errored runs; 1 or 0 for a single run; null when all errored. */
  passShare: number | null;
  flaky: boolean;
  reason?: string;
}

/** Per (model, problem). Errored outcomes are counted but never enter the pass rate. */
export interface Metrics {
  /** Evaluated outcomes: passed + failed. */
  n: number;
  passed: number;
  failed: number;
  errored: number;
  flaky: number;
  /** passed / n, null when n = 0. */
  passRate: number | null;
  /** 95% Wilson score interval, null when n = 0. */
  ci: [number, number] | null;
}

export type Verdict = 'improved' | 'regressed' | 'no_clear_change';

/** Model A (baseline) against model B (candidate) on the same pattern revisions. */
export interface Comparison {
  /** Revisions both models have a non-errored outcome for. */
  paired: number;
  fixed: number[]; // pattern revision ids failing on A, passing on B
  broken: number[]; // passing on A, failing on B
  stillFailing: number[];
  stillPassing: number[];
  /** Revisions skipped because either side errored or lacked a result. */
  unpaired: number[];
  /** Exact two-sided McNemar p-value on the discordant pairs (1 when there are none). */
  pValue: number;
  verdict: Verdict;
  baselinePassRate: number | null;
  candidatePassRate: number | null;
}

export interface GateProblemInput {
  key: string;
  title: string;
  threshold: number | null;
  metrics: Metrics;
  /** Against the baseline model, when there is one. */
  comparison?: Comparison;
}

export type GateProblemStatus = 'meets' | 'below' | 'not_evaluated' | 'regressed' | 'ungated';

export interface GateProblemVerdict {
  key: string;
  title: string;
  status: GateProblemStatus;
  reasons: string[];
  warnings: string[];
}

export interface GateVerdict {
  pass: boolean;
  problems: GateProblemVerdict[];
  /** One sentence per failing problem, ready to print. */
  reasons: string[];
  warnings: string[];
}

/** Errors the edges turn into an ephemeral message, a 4xx body or an exit code. */
export class CanaryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'CanaryError';
  }
}
