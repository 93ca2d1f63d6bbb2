import type { EndpointConfig, Model, ModelRef } from '../core/model.ts';
import type { EvaluationStatus } from '../core/outcome.ts';
import type { Pattern, PatternDraft, Polarity } from '../core/pattern.ts';
import type { Proposal } from '../core/suggest/index.ts';
import type { Observation, ObservationQuery } from '../services/observations.ts';
import type { AddedItem } from '../services/patterns.ts';
import type { GateReport } from '../services/reporting/gate-report.ts';
import type { compareModels, modelReport } from '../services/reports.ts';
import type { TriageGroup } from '../services/triage.ts';

export type ModelReport = Awaited<ReturnType<typeof modelReport>>;
export type ModelComparison = Awaited<ReturnType<typeof compareModels>>;

export interface RegisterModelRequest {
  name: string;
  version: string;
  endpoint: { adapter: EndpointConfig['adapter']; url: string; [option: string]: unknown };
  metrics?: Record<string, number>;
  repeats?: number;
  /** grader / embedder: registered for judge and similar checks, not evaluated (docs/generative.md). */
  role?: 'candidate' | 'grader' | 'embedder';
}

export interface EvaluationProgress {
  id: number;
  status: EvaluationStatus;
  done: number;
  total: number;
  error: string | null;
}

export interface SuggestionList {
  pattern: number;
  problem: string;
  polarity: Polarity;
  seed: number;
  proposals: Proposal[];
}

export interface PatternEditRequest {
  input?: unknown;
  expect?: unknown;
  notes?: string;
  polarity?: string;
}

export interface ImportOutcome {
  sent: number;
  created: number;
  existing: number;
  /** Items that repeat an earlier item of the same import. */
  repeats: number;
  /** Per item, in file order. */
  items: AddedItem[];
  problemsCreated: string[];
}

/**
 * What the `canary` command needs from Canary. Two implementations, so each command is written once:
 * `http` talks to a running Canary's REST API (CANARY_URL + CANARY_TOKEN), `direct` opens the database itself.
 */
export interface CanaryClient {
  readonly mode: 'http' | 'direct';
  /** Where the client talks to, for error messages: "the Canary API at …", "postgres://…". */
  readonly where: string;
  importPatterns(drafts: readonly PatternDraft[], opts: { createProblems: boolean }): Promise<ImportOutcome>;
  exportPatterns(opts: { problem?: string }): Promise<string>;
  /** evaluationId is null when the model was stored but could not be queued (Redis down): `warning` says what to do. */
  registerModel(
    request: RegisterModelRequest,
  ): Promise<{ id: number; evaluationId: number | null; warning?: string }>;
  evaluateModel(ref: ModelRef): Promise<{ evaluationId: number }>;
  getEvaluation(id: number): Promise<EvaluationProgress>;
  gate(input: {
    model: ModelRef;
    baseline?: 'production' | ModelRef | null;
    strict: boolean;
    requireEvidence?: boolean;
    /** Also fail when users' satisfaction dropped significantly against the baseline. */
    ratings?: boolean;
  }): Promise<GateReport>;
  /** Related cases proposed for one pattern; writes nothing. */
  suggest(input: { patternId: number; n?: number; seed?: number }): Promise<SuggestionList>;
  report(ref: ModelRef): Promise<ModelReport>;
  /** The triage queue: untriaged 👎 observations, identical inputs grouped. */
  triage(opts: { limit: number }): Promise<TriageGroup[]>;
  observations(query: ObservationQuery): Promise<{ observations: Observation[]; nextCursor: string | null }>;
  compare(baseline: ModelRef, candidate: ModelRef): Promise<ModelComparison>;
  /** Admin controls; the result is the model or pattern as it is afterwards. */
  retireModel(ref: ModelRef): Promise<{ model: Model }>;
  restoreModel(ref: ModelRef): Promise<{ model: Model; evaluationId: number | null; warning?: string }>;
  setPatternActive(id: number, active: boolean): Promise<{ pattern: Pattern }>;
  editPattern(id: number, edit: PatternEditRequest): Promise<{ pattern: Pattern }>;
  close(): Promise<void>;
}
