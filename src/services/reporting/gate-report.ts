import type { Expectation, Prediction } from '../../core/expectations/handler.ts';
import type { OutcomeStatus } from '../../core/outcome.ts';
import type { PatternInput } from '../../core/pattern.ts';
import { listPatternsOfProblem } from '../../db/queries/patterns.ts';
import { foldOutcomeRuns, runsFor } from '../../db/queries/reports.ts';
import type { ServiceDeps } from '../deps.ts';
import { type GateInput, type GateResult, gateModel } from '../gate.ts';
import { reportedProblems } from '../reports.ts';
import { type SatisfactionReport, satisfactionReport } from '../satisfaction.ts';

/** One active pattern of a gated problem and the candidate's outcome on it. */
interface GatePatternRow {
  problemKey: string;
  patternId: number;
  revisionId: number;
  input: PatternInput;
  expectation: Expectation;
  /** 'missing' when the model has no result for the current revision yet. */
  status: OutcomeStatus | 'missing';
  flaky: boolean;
  prediction: Omit<Prediction, 'raw'> | null;
  reason: string;
  /** Endpoint time over this revision's runs, ms (a batched request's latency counts for each input); null: none. */
  latencyMs: number | null;
  /** When its latest result was recorded; null while missing. */
  evaluatedAt: Date | null;
}

/** The gate verdict plus every pattern's outcome, so a CI report can list one test case per pattern. */
export interface GateReport extends GateResult {
  patterns: GatePatternRow[];
  /** Users' ratings against the same baseline; with `ratings` a significant drop fails the gate. */
  satisfaction: SatisfactionReport;
}

export async function gateReport(
  deps: ServiceDeps,
  input: GateInput & { ratings?: boolean },
): Promise<GateReport> {
  const result = await gateModel(deps, input);
  const satisfaction = await satisfactionReport(deps, input.model, {
    baseline: result.baseline ? { name: result.baseline.name, version: result.baseline.version } : null,
  });
  if (input.ratings && satisfaction.droppedSignificantly) {
    result.verdict.pass = false;
    result.verdict.reasons.push(`Users' satisfaction dropped significantly: ${satisfaction.line}.`);
  }
  const problems = await reportedProblems(deps);
  const runs = await runsFor(deps.db, { modelIds: [result.model.id], problemIds: problems.map((p) => p.id) });
  const outcomes = new Map(foldOutcomeRuns(runs).map((o) => [o.patternRevisionId, o]));
  const lastRun = new Map(runs.map((r) => [r.patternRevisionId, r]));
  const latency = new Map<number, number>();
  for (const r of runs) {
    if (r.latencyMs !== null)
      latency.set(r.patternRevisionId, (latency.get(r.patternRevisionId) ?? 0) + r.latencyMs);
  }
  const patterns: GatePatternRow[] = [];
  for (const problem of problems) {
    for (const pattern of await listPatternsOfProblem(deps.db, problem.id)) {
      const outcome = outcomes.get(pattern.revisionId);
      patterns.push({
        problemKey: problem.key,
        patternId: pattern.id,
        revisionId: pattern.revisionId,
        input: pattern.input,
        expectation: pattern.expectation,
        status: outcome?.status ?? 'missing',
        flaky: outcome?.flaky ?? false,
        prediction: lastRun.get(pattern.revisionId)?.prediction ?? null,
        reason: outcome?.reason ?? '',
        latencyMs: latency.get(pattern.revisionId) ?? null,
        evaluatedAt: lastRun.get(pattern.revisionId)?.createdAt ?? null,
      });
    }
  }
  return { ...result, patterns, satisfaction };
}
