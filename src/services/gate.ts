import { compareOutcomes } from '../core/compare.ts';
import type { Expectation, Prediction } from '../core/expectations/handler.ts';
import type { GateProblemInput, GateVerdict } from '../core/gate.ts';
import { evaluateGate } from '../core/gate.ts';
import { computeMetrics } from '../core/metrics.ts';
import type { Model } from '../core/model.ts';
import { formatModelRef } from '../core/model.ts';
import type { OutcomeStatus } from '../core/outcome.ts';
import type { PatternInput } from '../core/pattern.ts';
import { getProductionModel } from '../db/queries/models.ts';
import { getPatternsByIds } from '../db/queries/patterns.ts';
import { foldOutcomeRuns, groupBy, runsFor } from '../db/queries/reports.ts';
import type { ServiceDeps } from './deps.ts';
import { getModelByRef, type ModelSelector, refuseRetired } from './models.ts';
import { reportedProblems } from './reports.ts';

export interface GateInput {
  model: ModelSelector;
  /** 'production' (default): the production model of the same name, if any and not this one. null: no baseline. */
  baseline?: 'production' | ModelSelector | null;
  /** Fail too when the 95% interval reaches below a threshold. */
  strict?: boolean;
  /** Fail too when a problem's patterns are too few to tell (status too_few_patterns). */
  requireEvidence?: boolean;
}

interface GateFailure {
  problemKey: string;
  patternId: number;
  revisionId: number;
  input: PatternInput;
  expectation: Expectation;
  /** The latest run's answer (label, text, score), null when it errored before answering. */
  prediction: Omit<Prediction, 'raw'> | null;
  reason: string;
  status: OutcomeStatus;
  /** Passed on the baseline and fails now. */
  broken: boolean;
}

export interface GateResult {
  verdict: GateVerdict;
  model: Model;
  baseline: Model | null;
  problems: GateProblemInput[];
  /** Failing and errored patterns of the problems that fail the gate. */
  failures: GateFailure[];
}

export async function gateModel(deps: ServiceDeps, input: GateInput): Promise<GateResult> {
  const model = await getModelByRef(deps, input.model);
  refuseRetired(model, 'be gated');
  const baseline = await resolveBaseline(
    deps,
    model,
    input.baseline === undefined ? 'production' : input.baseline,
  );
  const problems = await reportedProblems(deps);
  const ids = problems.map((p) => p.id);

  const [runs, baselineRuns] = await Promise.all([
    runsFor(deps.db, { modelIds: [model.id], problemIds: ids }),
    baseline ? runsFor(deps.db, { modelIds: [baseline.id], problemIds: ids }) : Promise.resolve([]),
  ]);
  const outcomes = groupBy(foldOutcomeRuns(runs), (o) => o.problemId);
  const baselineOutcomes = groupBy(foldOutcomeRuns(baselineRuns), (o) => o.problemId);

  const inputs: GateProblemInput[] = problems.map((p) => {
    const mine = outcomes.get(p.id) ?? [];
    return {
      key: p.key,
      title: p.title,
      threshold: p.threshold,
      metrics: computeMetrics(mine),
      ...(baseline ? { comparison: compareOutcomes(baselineOutcomes.get(p.id) ?? [], mine) } : {}),
    };
  });
  const verdict = evaluateGate(inputs, {
    ...(input.strict ? { strict: true } : {}),
    ...(input.requireEvidence ? { requireEvidence: true } : {}),
  });

  const failingKeys = new Set(
    verdict.problems
      .filter((v) => v.status === 'below' || v.status === 'regressed' || v.reasons.length > 0)
      .map((v) => v.key),
  );
  const failing = problems.filter((p) => failingKeys.has(p.key));
  const lastRun = new Map(runs.map((r) => [r.patternRevisionId, r]));
  const failedOutcomes = failing.flatMap((p) =>
    (outcomes.get(p.id) ?? []).filter((o) => o.status !== 'passed').map((o) => ({ problem: p, outcome: o })),
  );
  const patterns = new Map(
    (
      await getPatternsByIds(
        deps.db,
        failedOutcomes.map((f) => f.outcome.patternId),
      )
    ).map((p) => [p.revisionId, p]),
  );
  const brokenIds = new Set(inputs.flatMap((i) => i.comparison?.broken ?? []));
  const failures: GateFailure[] = [];
  for (const { problem, outcome } of failedOutcomes) {
    const pattern = patterns.get(outcome.patternRevisionId);
    if (!pattern) continue;
    failures.push({
      problemKey: problem.key,
      patternId: outcome.patternId,
      revisionId: outcome.patternRevisionId,
      input: pattern.input,
      expectation: pattern.expectation,
      prediction: lastRun.get(outcome.patternRevisionId)?.prediction ?? null,
      reason: outcome.reason ?? '',
      status: outcome.status,
      broken: brokenIds.has(outcome.patternRevisionId),
    });
  }
  deps.log.info(
    { model: formatModelRef(model), pass: verdict.pass, failures: failures.length },
    'gate evaluated',
  );
  return { verdict, model, baseline, problems: inputs, failures };
}

async function resolveBaseline(
  deps: ServiceDeps,
  model: Model,
  baseline: 'production' | ModelSelector | null,
): Promise<Model | null> {
  if (baseline === null) return null;
  if (baseline === 'production') {
    const production = await getProductionModel(deps.db, model.name);
    return production && production.id !== model.id ? production : null;
  }
  const chosen = await getModelByRef(deps, baseline);
  return chosen.id === model.id ? null : chosen;
}
