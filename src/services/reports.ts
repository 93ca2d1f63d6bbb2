import { type ChartSpec, satisfactionOverTimeChart } from '../core/charts.ts';
import type { Comparison } from '../core/compare.ts';
import { compareOutcomes } from '../core/compare.ts';
import { assessEvidence, type Evidence } from '../core/evidence.ts';
import type { Metrics } from '../core/metrics.ts';
import { computeMetrics } from '../core/metrics.ts';
import type { Model } from '../core/model.ts';
import { formatModelRef } from '../core/model.ts';
import type { OutcomeStatus, PatternOutcome } from '../core/outcome.ts';
import { gradedByOf } from '../core/outcome.ts';
import type { PatternInput } from '../core/pattern.ts';
import type { Problem } from '../core/problem.ts';
import { meetsThreshold } from '../core/threshold.ts';
import { type EvaluationCost, modelCost } from '../db/queries/costs.ts';
import { getModelsByIds, listModelRows } from '../db/queries/models.ts';
import { listPatternsOfProblem } from '../db/queries/patterns.ts';
import { listProblemRows } from '../db/queries/problems.ts';
import {
  foldOutcomeRuns,
  groupBy,
  metricsByModelAndProblem,
  type OutcomeRun,
  type ProblemOutcome,
  problemsWithActivePatterns,
  runsFor,
} from '../db/queries/reports.ts';
import type { ServiceDeps } from './deps.ts';
import { getModelByRef, type ModelSelector } from './models.ts';
import { EMPTY_METRICS, getProblem } from './problems.ts';
import { type FailingPattern, failingPatterns } from './report-failures.ts';
import {
  type SatisfactionReport,
  type SatisfactionSeries,
  satisfactionOverTime,
  satisfactionReport,
} from './satisfaction.ts';

export { outcomesFor } from '../db/queries/reports.ts';

export interface ModelReportRow {
  key: string;
  title: string;
  threshold: number | null;
  n: number;
  passed: number;
  failed: number;
  errored: number;
  flaky: number;
  passRate: number | null;
  ci: [number, number] | null;
  /** null when the problem is not gated or nothing was measured. */
  meetsThreshold: boolean | null;
  flakyPatterns: number[];
  /** What these patterns can show about the threshold (evidence.ts). */
  evidence: Evidence;
  /** The first few failing or errored patterns with the model's output (report-failures.ts). */
  failing: Omit<FailingPattern, 'problemId'>[];
}

/** Problems that have patterns to run, in key order; won't-fix problems are left out of reports and gates. */
export async function reportedProblems(deps: ServiceDeps): Promise<Problem[]> {
  const [problems, withPatterns] = await Promise.all([
    listProblemRows(deps.db, { status: ['open', 'monitoring', 'resolved'] }),
    problemsWithActivePatterns(deps.db),
  ]);
  const keep = new Set(withPatterns);
  return problems.filter((p) => keep.has(p.id));
}

/** Outcomes of one model grouped by problem id (runs folded; single runs fold to themselves). */
async function outcomesByProblem(
  deps: ServiceDeps,
  modelId: number,
  problemIds?: readonly number[],
): Promise<Map<number, ProblemOutcome[]>> {
  const runs = await runsFor(deps.db, { modelIds: [modelId], ...(problemIds ? { problemIds } : {}) });
  return groupBy(foldOutcomeRuns(runs), (o) => o.problemId);
}

export async function modelReport(
  deps: ServiceDeps,
  ref: ModelSelector,
): Promise<{
  model: Model;
  problems: ModelReportRow[];
  cost: EvaluationCost;
  satisfaction: SatisfactionReport;
  /** Share of 👍 per day for every version of the name, and its chart (Chart.js JSON); null when nobody rated this model. */
  satisfactionOverTime: { series: SatisfactionSeries; chart: ChartSpec } | null;
}> {
  const model = await getModelByRef(deps, ref);
  const cost = await modelCost(deps.db, model.id);
  const users = await satisfactionReport(deps, ref);
  const series = users.satisfaction.n > 0 ? await satisfactionOverTime(deps, model.name) : null;
  const problems = await reportedProblems(deps);
  const ids = problems.map((p) => p.id);
  const failing = await failingPatterns(deps, model.id, ids);
  let metricsOf: (problemId: number) => Metrics;
  let flakyOf: (problemId: number) => number[] = () => [];
  if (model.repeats > 1) {
    const byProblem = await outcomesByProblem(deps, model.id, ids);
    metricsOf = (id) => computeMetrics(byProblem.get(id) ?? []);
    flakyOf = (id) => (byProblem.get(id) ?? []).filter((o) => o.flaky).map((o) => o.patternId);
  } else {
    const table = await metricsByModelAndProblem(deps.db, { models: [model], problemIds: ids });
    metricsOf = (id) => table.get(model.id)?.get(id) ?? EMPTY_METRICS;
  }
  return {
    model,
    cost,
    satisfaction: users,
    satisfactionOverTime: series ? { series, chart: satisfactionOverTimeChart(series) } : null,
    problems: problems.map((p) => {
      const m = metricsOf(p.id);
      return {
        key: p.key,
        title: p.title,
        threshold: p.threshold,
        ...m,
        meetsThreshold: meetsThreshold(m.passRate, p.threshold),
        flakyPatterns: flakyOf(p.id),
        evidence: assessEvidence({ metrics: m, threshold: p.threshold }),
        failing: failing.filter((f) => f.problemId === p.id).map(({ problemId: _, ...f }) => f),
      };
    }),
  };
}

export interface HistoryPoint {
  modelId: number;
  /** name@version */
  model: string;
  registeredAt: Date;
  metrics: Metrics;
}

/** The problem's metrics on every non-retired model that ran it, in registration order. */
export async function problemHistory(
  deps: ServiceDeps,
  key: string,
): Promise<{ problem: Problem; points: HistoryPoint[] }> {
  const problem = await getProblem(deps, key);
  const models = await listModelRows(deps.db, { status: ['candidate', 'production'] });
  const table = await metricsByModelAndProblem(deps.db, { models, problemIds: [problem.id] });
  const points: HistoryPoint[] = [];
  for (const model of models) {
    const metrics = table.get(model.id)?.get(problem.id);
    if (!metrics) continue;
    points.push({
      modelId: model.id,
      model: formatModelRef(model),
      registeredAt: model.registeredAt,
      metrics,
    });
  }
  return { problem, points };
}

export interface ProblemComparison {
  key: string;
  title: string;
  comparison: Comparison;
  /** Each model's metrics on the revisions both have a clear answer for, so the numbers compare like with like. */
  metricsA: Metrics;
  metricsB: Metrics;
  /** Whether "no clear change" means alike or too few patterns to tell (evidence.ts). */
  evidence: Evidence;
}

/** A (baseline) against B (candidate), per problem, on the same pattern revisions. */
export async function compareModels(
  deps: ServiceDeps,
  refA: ModelSelector,
  refB: ModelSelector,
): Promise<{ a: Model; b: Model; problems: ProblemComparison[] }> {
  const [a, b] = await Promise.all([getModelByRef(deps, refA), getModelByRef(deps, refB)]);
  const problems = await reportedProblems(deps);
  const ids = problems.map((p) => p.id);
  const [outA, outB] = await Promise.all([
    outcomesByProblem(deps, a.id, ids),
    outcomesByProblem(deps, b.id, ids),
  ]);
  return {
    a,
    b,
    problems: problems.map((p) => {
      const oa = outA.get(p.id) ?? [];
      const ob = outB.get(p.id) ?? [];
      const comparison = compareOutcomes(oa, ob);
      const shared = new Set([
        ...comparison.fixed,
        ...comparison.broken,
        ...comparison.stillFailing,
        ...comparison.stillPassing,
      ]);
      const onShared = (o: PatternOutcome) => shared.has(o.patternRevisionId);
      const metricsB = computeMetrics(ob.filter(onShared));
      return {
        key: p.key,
        title: p.title,
        comparison,
        metricsA: computeMetrics(oa.filter(onShared)),
        metricsB,
        evidence: assessEvidence({ metrics: metricsB, threshold: null, comparison }),
      };
    }),
  };
}

/** What one model answered on one pattern, for the grid's tooltips: the output is shown wherever a result is. */
export interface GridCellDetail {
  /** The model's text, else its label, else its score; null when it gave no answer (errored). */
  output: string | null;
  reason: string;
  /** The grader or embedder that decided it, for judge and similar checks. */
  gradedBy?: string;
}

export interface PatternGrid {
  problem: Problem;
  patterns: { id: number; revisionId: number; revision: number; input: PatternInput }[];
  /** Non-retired models that ran at least one of these revisions, in registration order. */
  models: { id: number; ref: string }[];
  /** cells[pattern][model]: the folded outcome, or null when that model has no result. */
  cells: (OutcomeStatus | null)[][];
  /** details[pattern][model], beside cells: the first run's output and reason; null when there is no result. */
  details: (GridCellDetail | null)[][];
}

export async function patternGrid(deps: Pick<ServiceDeps, 'db'>, key: string): Promise<PatternGrid> {
  const problem = await getProblem(deps, key);
  const patterns = await listPatternsOfProblem(deps.db, problem.id);
  const candidates = await listModelRows(deps.db, { status: ['candidate', 'production'] });
  const runs = await runsFor(deps.db, { modelIds: candidates.map((m) => m.id), problemIds: [problem.id] });
  const byModel = groupBy(runs, (r) => r.modelId);
  const models = await getModelsByIds(deps.db, [...byModel.keys()]);
  const status = new Map<string, OutcomeStatus>();
  const detail = new Map<string, GridCellDetail>();
  for (const [modelId, modelRuns] of byModel) {
    for (const o of foldOutcomeRuns(modelRuns)) status.set(`${o.patternRevisionId}:${modelId}`, o.status);
    // Runs arrive ordered by run, so the first one seen is run 1: the answer a person would look at first.
    for (const r of modelRuns) {
      const key = `${r.patternRevisionId}:${modelId}`;
      if (!detail.has(key)) detail.set(key, cellDetail(r));
    }
  }
  const at = <T>(table: Map<string, T>, p: { revisionId: number }, m: { id: number }) =>
    table.get(`${p.revisionId}:${m.id}`) ?? null;
  return {
    problem,
    patterns: patterns.map((p) => ({
      id: p.id,
      revisionId: p.revisionId,
      revision: p.revision,
      input: p.input,
    })),
    models: models.map((m) => ({ id: m.id, ref: formatModelRef(m) })),
    cells: patterns.map((p) => models.map((m) => at(status, p, m))),
    details: patterns.map((p) => models.map((m) => at(detail, p, m))),
  };
}

function cellDetail(run: OutcomeRun): GridCellDetail {
  const p = run.prediction;
  const output = p?.text ?? p?.label ?? (p?.score === undefined ? null : String(p.score));
  const gradedBy = gradedByOf(p);
  return { output, reason: run.reason, ...(gradedBy === undefined ? {} : { gradedBy }) };
}
