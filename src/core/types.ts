/**
 * Known debt, kept only so branches written against the old grab-bag still compile after a merge: every type
 * now lives beside the logic it describes. Import from those files; delete this shim once nothing names it
 * (test/architecture/layers.test.ts keeps core itself off it).
 */
export type { Comparison, Verdict } from './compare.ts';
export { CanaryError } from './errors.ts';
export type {
  CheckAid,
  CheckResult,
  Expectation,
  ExpectationKind,
  JudgeSpec,
  Prediction,
  TokenUsage,
} from './expectations/handler.ts';
export type {
  GateProblemInput,
  GateProblemStatus,
  GateProblemVerdict,
  GateVerdict,
} from './gate.ts';
export type { Metrics } from './metrics.ts';
export type { EndpointConfig, Model, ModelRole, ModelStatus } from './model.ts';
export type {
  EvaluationStatus,
  EvaluationTrigger,
  OutcomeStatus,
  PatternOutcome,
} from './outcome.ts';
export type { Pattern, PatternInput, PatternSource, Polarity } from './pattern.ts';
export type { Problem, ProblemStatus, Severity } from './problem.ts';
