import type {
  ProblemAcrossModelsInput,
  ProblemsOverModelsInput,
  TrainingMetricsInput,
} from '../../core/charts.ts';
import type { Comparison, Verdict } from '../../core/compare.ts';
import { compareOutcomes } from '../../core/compare.ts';
import type { Expectation, Prediction } from '../../core/expectations/handler.ts';
import type { GateVerdict } from '../../core/gate.ts';
import { evaluateGate } from '../../core/gate.ts';
import type { Metrics } from '../../core/metrics.ts';
import type { Model } from '../../core/model.ts';
import { formatModelRef } from '../../core/model.ts';
import type { PatternOutcome } from '../../core/outcome.ts';
import type { PatternInput, Polarity } from '../../core/pattern.ts';
import type { Problem } from '../../core/problem.ts';
import { meetsThreshold } from '../../core/threshold.ts';
import type { Db } from '../../db/client.ts';
import { getModelById, getProductionModel, listModelRows } from '../../db/queries/models.ts';
import { previousModel, problemsByIds, revisionLabels } from '../../db/queries/notifications.ts';
import { listProblemRows } from '../../db/queries/problems.ts';
import {
  foldOutcomeRuns,
  gradersByModelAndProblem,
  groupBy,
  metricsByModelAndProblem,
  type OutcomeRun,
  problemsWithActivePatterns,
  runsFor,
} from '../../db/queries/reports.ts';
import type { EvaluationView } from '../evaluation/results.ts';
import {
  type SatisfactionReport,
  type SatisfactionSeries,
  satisfactionOfModel,
  satisfactionOverTime,
} from '../satisfaction.ts';

/** Everything the finished-evaluation messages say, gathered once. */

/** How many models chart 1 draws: the newest, so the axis stays readable. */
export const OVER_MODELS_MAX = 12;

export interface PatternChange {
  patternId: number;
  revisionId: number;
  input: PatternInput;
  polarity: Polarity;
  expectation: Expectation;
  /** What the evaluated model answered (its first run), null when it has no recorded answer. */
  prediction: Omit<Prediction, 'raw'> | null;
}

export interface BaselineResult {
  role: 'previous' | 'production';
  model: string;
  comparison: Comparison;
}

export interface ProblemResult {
  problem: Problem;
  metrics: Metrics;
  previous: BaselineResult | null;
  production: BaselineResult | null;
  /** Against the previous candidate, else production; null when there is neither. */
  verdict: Verdict | null;
  /** null when the problem is not gated or nothing could be rated. */
  thresholdMet: boolean | null;
  /** Against the same baseline as the verdict. */
  broken: PatternChange[];
  fixed: PatternChange[];
  acrossModels: ProblemAcrossModelsInput;
  /** A failing pattern of this model, to grow related cases from (the evidence button); null when none fails. */
  suggestFrom?: number | null;
}

export interface EvaluationResults {
  model: Model;
  problems: ProblemResult[];
  gate: GateVerdict;
  overModels: ProblemsOverModelsInput;
  /** Chart 2's data; null when no model of this name reported a training metric. */
  trainingMetrics: TrainingMetricsInput | null;
  /** What users think of this model and its versions over time; null when nobody rated it (no noise). */
  users: { report: SatisfactionReport; overTime: SatisfactionSeries } | null;
}

export async function gatherEvaluationResults(
  db: Db,
  evaluation: EvaluationView,
): Promise<EvaluationResults | null> {
  const gathered = await gatherProblemResults(db, evaluation);
  if (!gathered) return null;
  const { model, problems: results } = gathered;
  const gate = evaluateGate(
    results.map((r) => ({
      key: r.problem.key,
      title: r.problem.title,
      threshold: r.problem.threshold,
      metrics: r.metrics,
      ...(r.production ? { comparison: r.production.comparison } : {}),
    })),
  );
  const [overModels, trainingMetrics, users] = await Promise.all([
    problemsOverModels(db),
    trainingMetricsOfName(db, model.name),
    usersOf(db, model),
  ]);
  return { model, problems: results, gate, overModels, trainingMetrics, users };
}

async function usersOf(db: Db, model: Model): Promise<EvaluationResults['users']> {
  const report = await satisfactionOfModel({ db }, model);
  if (report.satisfaction.n === 0) return null;
  return { report, overTime: await satisfactionOverTime({ db }, model.name) };
}

/**
 * The per-problem part of the results, optionally for some problems only: the "Show all" button recomputes
 * one problem's changes from the database with exactly the rules its message was built with.
 */
export async function gatherProblemResults(
  db: Db,
  evaluation: EvaluationView,
  only?: { problemIds: readonly number[] },
): Promise<{ model: Model; problems: ProblemResult[] } | null> {
  const model = await getModelById(db, evaluation.model.id);
  if (!model) return null;
  const wanted = only ? new Set(only.problemIds) : null;
  const perProblem = (evaluation.perProblem ?? []).filter((p) => !wanted || wanted.has(p.problemId));
  const problemIds = perProblem.map((p) => p.problemId);
  const [problems, previous, productionOfName] = await Promise.all([
    problemsByIds(db, problemIds),
    previousModel(db, model),
    getProductionModel(db, model.name),
  ]);
  const production = (productionOfName ?? (await getProductionModel(db))) as Model | null;
  const prod = production && production.id !== model.id ? production : null;

  const modelIds = [model.id, previous?.id, prod?.id].filter((id): id is number => id !== undefined);
  const runs = await runsFor(db, { modelIds: [...new Set(modelIds)], problemIds });
  const outcomes = new Map<string, PatternOutcome[]>();
  for (const [modelId, modelRuns] of groupBy(runs, (r) => r.modelId)) {
    for (const [problemId, list] of groupBy(foldOutcomeRuns(modelRuns), (o) => o.problemId)) {
      outcomes.set(`${modelId}:${problemId}`, list);
    }
  }
  const outcomesOf = (m: Model | null, problemId: number) =>
    m ? (outcomes.get(`${m.id}:${problemId}`) ?? []) : [];
  const answers = firstAnswers(runs.filter((r) => r.modelId === model.id));

  const standing = await listModelRows(db, { status: ['candidate', 'production'] });
  const shown = standing.some((m) => m.id === model.id) ? standing : [...standing, model];
  const [table, graders] = await Promise.all([
    metricsByModelAndProblem(db, { models: shown, problemIds }),
    gradersByModelAndProblem(db, { modelIds: shown.map((m) => m.id), problemIds }),
  ]);

  const compared = perProblem.map((summary) => {
    const mine = outcomesOf(model, summary.problemId);
    const vsPrevious = previous ? compareOutcomes(outcomesOf(previous, summary.problemId), mine) : null;
    const vsProduction = prod ? compareOutcomes(outcomesOf(prod, summary.problemId), mine) : null;
    return { summary, vsPrevious, vsProduction };
  });
  const changed = compared.flatMap(({ vsPrevious, vsProduction }) => {
    const c = vsPrevious ?? vsProduction;
    return c ? [...c.broken, ...c.fixed] : [];
  });
  const labels = await revisionLabels(db, changed);
  const changesOf = (ids: readonly number[]): PatternChange[] =>
    ids.flatMap((id) => {
      const l = labels.get(id);
      return l
        ? [
            {
              patternId: l.patternId,
              revisionId: id,
              input: l.input,
              polarity: l.polarity,
              expectation: l.expectation,
              prediction: answers.get(id) ?? null,
            },
          ]
        : [];
    });

  const byId = new Map(problems.map((p) => [p.id, p]));
  const results: ProblemResult[] = compared.flatMap(({ summary, vsPrevious, vsProduction }) => {
    const problem = byId.get(summary.problemId);
    if (!problem) return [];
    const basis = vsPrevious ?? vsProduction;
    const rate = summary.metrics.passRate;
    return [
      {
        problem,
        metrics: summary.metrics,
        previous:
          previous && vsPrevious
            ? { role: 'previous', model: formatModelRef(previous), comparison: vsPrevious }
            : null,
        production:
          prod && vsProduction
            ? { role: 'production', model: formatModelRef(prod), comparison: vsProduction }
            : null,
        verdict: basis?.verdict ?? null,
        thresholdMet: meetsThreshold(rate, problem.threshold),
        broken: changesOf(basis?.broken ?? []),
        fixed: changesOf(basis?.fixed ?? []),
        suggestFrom: firstFailing(outcomesOf(model, summary.problemId)),
        acrossModels: {
          problem: { key: problem.key, title: problem.title, threshold: problem.threshold },
          points: shown.flatMap((m) => {
            const metrics = table.get(m.id)?.get(problem.id);
            return metrics
              ? [
                  {
                    model: formatModelRef(m),
                    rate: metrics.passRate,
                    ci: metrics.ci,
                    n: metrics.n,
                    gradedBy: graders.get(m.id)?.get(problem.id) ?? null,
                  },
                ]
              : [];
          }),
        },
      } satisfies ProblemResult,
    ];
  });
  return { model, problems: results };
}

/** Revision id → the answer of its lowest-numbered run (runs arrive ordered by run). */
function firstAnswers(runs: readonly OutcomeRun[]): Map<number, Omit<Prediction, 'raw'> | null> {
  const answers = new Map<number, Omit<Prediction, 'raw'> | null>();
  for (const r of runs) if (!answers.has(r.patternRevisionId)) answers.set(r.patternRevisionId, r.prediction);
  return answers;
}

/** Chart 1's data: every reported problem across the newest non-retired models. */
export async function problemsOverModels(db: Db): Promise<ProblemsOverModelsInput> {
  const [models, problems, withPatterns] = await Promise.all([
    listModelRows(db, { status: ['candidate', 'production'], latest: OVER_MODELS_MAX }),
    listProblemRows(db, { status: ['open', 'monitoring', 'resolved'] }),
    problemsWithActivePatterns(db),
  ]);
  const keep = new Set(withPatterns);
  const reported = problems.filter((p) => keep.has(p.id));
  const problemIds = reported.map((p) => p.id);
  const [table, graders] = await Promise.all([
    metricsByModelAndProblem(db, { models, problemIds }),
    gradersByModelAndProblem(db, { modelIds: models.map((m) => m.id), problemIds }),
  ]);
  return {
    models: models.map(formatModelRef),
    problems: reported.map((p) => ({
      key: p.key,
      title: p.title,
      threshold: p.threshold,
      rates: models.map((m) => table.get(m.id)?.get(p.id)?.passRate ?? null),
      graders: models.map((m) => graders.get(m.id)?.get(p.id) ?? null),
    })),
  };
}

/**
 * Chart 2's data: the metrics reported at registration by every non-retired model of this name, in
 * registration order, so they sit beside chart 1 ("the overall metric went up, the problem didn't").
 */
export async function trainingMetricsOfName(db: Db, name: string): Promise<TrainingMetricsInput | null> {
  const models = await listModelRows(db, { name, status: ['candidate', 'production'] });
  const names = [...new Set(models.flatMap((m) => Object.keys(m.metrics)))].sort();
  const metrics = Object.fromEntries(
    names.map((k) => [k, models.map((m) => finiteOrNull(m.metrics[k]))] as const),
  );
  const reported = Object.values(metrics).some((values) => values.some((v) => v !== null));
  return reported ? { models: models.map(formatModelRef), metrics } : null;
}

/** metrics is free JSON from registration: anything but a finite number is "not reported". */
function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The pattern a "Suggest related cases" button starts from: a failing one, else any. */
function firstFailing(outcomes: readonly PatternOutcome[]): number | null {
  return (outcomes.find((o) => o.status === 'failed') ?? outcomes[0])?.patternId ?? null;
}
