import type { ModelRef } from '../core/commands.ts';
import type { PatternDraft } from '../core/pattern.ts';
import type { EndpointConfig, EvaluationStatus } from '../core/types.ts';
import type { GateReport } from '../http/gate-report.ts';
import type { Observation, ObservationQuery } from '../services/observations.ts';
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
}

export interface EvaluationProgress {
  id: number;
  status: EvaluationStatus;
  done: number;
  total: number;
  error: string | null;
}

export interface ImportOutcome {
  created: number;
  existing: number;
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
    /** Also fail when users' satisfaction dropped significantly against the baseline. */
    ratings?: boolean;
  }): Promise<GateReport>;
  report(ref: ModelRef): Promise<ModelReport>;
  /** The triage queue: untriaged 👎 observations, identical inputs grouped. */
  triage(opts: { limit: number }): Promise<TriageGroup[]>;
  observations(query: ObservationQuery): Promise<{ observations: Observation[]; nextCursor: string | null }>;
  compare(baseline: ModelRef, candidate: ModelRef): Promise<ModelComparison>;
  close(): Promise<void>;
}
