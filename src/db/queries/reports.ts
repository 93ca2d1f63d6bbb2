import { and, asc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Prediction } from '../../core/expectations/handler.ts';
import type { Metrics } from '../../core/metrics.ts';
import { computeMetrics, metricsFromCounts } from '../../core/metrics.ts';
import type { Model } from '../../core/model.ts';
import type { OutcomeStatus, PatternOutcome } from '../../core/outcome.ts';
import { foldRuns, gradedByOf } from '../../core/outcome.ts';
import type { Db } from '../client.ts';
import { executedRows, intArrayLiteral } from '../executed.ts';
import { patternRevisions, patterns, results } from '../schema.ts';
import { isCurrentRevision } from './patterns.ts';

/** Results that still count: the current revision of an active pattern. */
function countedResults(where: SQL | undefined) {
  return and(where, eq(patterns.active, true));
}

export interface OutcomeRun {
  modelId: number;
  problemId: number;
  patternId: number;
  patternRevisionId: number;
  run: number;
  status: OutcomeStatus;
  reason: string;
  /** Label, text and score; the raw payload stays in the database. */
  prediction: Omit<Prediction, 'raw'> | null;
  /** The endpoint request's latency (shared by the inputs of a batched request); null when none was made. */
  latencyMs: number | null;
  createdAt: Date;
}

export async function runsFor(
  db: Db,
  params: {
    modelIds: readonly number[];
    problemIds?: readonly number[];
    statuses?: readonly OutcomeStatus[];
  },
): Promise<OutcomeRun[]> {
  if (params.modelIds.length === 0) return [];
  const rows = await db
    .select({
      modelId: results.modelId,
      problemId: results.problemId,
      patternId: results.patternId,
      patternRevisionId: results.patternRevisionId,
      run: results.run,
      status: results.status,
      reason: results.reason,
      prediction: sql<Omit<Prediction, 'raw'> | null>`${results.prediction} - 'raw'`,
      latencyMs: results.latencyMs,
      createdAt: results.createdAt,
    })
    .from(results)
    .innerJoin(patternRevisions, and(eq(patternRevisions.id, results.patternRevisionId), isCurrentRevision))
    .innerJoin(patterns, eq(patterns.id, results.patternId))
    .where(
      countedResults(
        and(
          inArray(results.modelId, [...params.modelIds]),
          params.problemIds === undefined ? undefined : inArray(results.problemId, [...params.problemIds]),
          params.statuses === undefined ? undefined : inArray(results.status, [...params.statuses]),
        ),
      ),
    )
    .orderBy(asc(results.modelId), asc(results.patternRevisionId), asc(results.run));
  return rows;
}

export interface ProblemOutcome extends PatternOutcome {
  problemId: number;
}

/** Repeated runs folded per revision; every outcome keeps its problem id. */
export function foldOutcomeRuns(runs: readonly OutcomeRun[]): ProblemOutcome[] {
  const problemOf = new Map(runs.map((r) => [r.patternRevisionId, r.problemId]));
  return foldRuns(
    runs.map((r) => {
      const gradedBy = gradedByOf(r.prediction);
      return {
        patternId: r.patternId,
        patternRevisionId: r.patternRevisionId,
        status: r.status,
        ...(r.reason === '' ? {} : { reason: r.reason }),
        ...(gradedBy === undefined ? {} : { gradedBy }),
      };
    }),
  ).map((o) => ({ ...o, problemId: problemOf.get(o.patternRevisionId) as number }));
}

/** A model's outcomes on the current revisions of active patterns (of one problem, or all). */
export async function outcomesFor(
  db: Db,
  params: { modelId: number; problemId?: number },
): Promise<PatternOutcome[]> {
  const runs = await runsFor(db, {
    modelIds: [params.modelId],
    ...(params.problemId === undefined ? {} : { problemIds: [params.problemId] }),
  });
  return foldOutcomeRuns(runs).map(({ problemId: _, ...outcome }) => outcome);
}

/** modelId → problemId → metrics. */
export type MetricsTable = Map<number, Map<number, Metrics>>;

/**
 * Metrics per (model, problem). Single-run models are counted by the database (one row per revision);
 * only models with repeats > 1 have their runs loaded and folded, because flakiness needs every run.
 */
export async function metricsByModelAndProblem(
  db: Db,
  params: { models: readonly Pick<Model, 'id' | 'repeats'>[]; problemIds?: readonly number[] },
): Promise<MetricsTable> {
  const table: MetricsTable = new Map(params.models.map((m) => [m.id, new Map()]));
  const single = params.models.filter((m) => m.repeats <= 1).map((m) => m.id);
  const repeated = params.models.filter((m) => m.repeats > 1).map((m) => m.id);
  const problemFilter =
    params.problemIds === undefined ? undefined : inArray(results.problemId, [...params.problemIds]);

  if (single.length > 0) {
    const rows = await db
      .select({
        modelId: results.modelId,
        problemId: results.problemId,
        passed: sql<number>`count(*) filter (where ${results.status} = 'passed')`.mapWith(Number),
        failed: sql<number>`count(*) filter (where ${results.status} = 'failed')`.mapWith(Number),
        errored: sql<number>`count(*) filter (where ${results.status} = 'errored')`.mapWith(Number),
      })
      .from(results)
      .innerJoin(patternRevisions, and(eq(patternRevisions.id, results.patternRevisionId), isCurrentRevision))
      .innerJoin(patterns, eq(patterns.id, results.patternId))
      .where(countedResults(and(inArray(results.modelId, single), eq(results.run, 1), problemFilter)))
      .groupBy(results.modelId, results.problemId);
    for (const r of rows) table.get(r.modelId)?.set(r.problemId, metricsFromCounts(r));
  }

  if (repeated.length > 0) {
    const runs = await runsFor(db, {
      modelIds: repeated,
      ...(params.problemIds === undefined ? {} : { problemIds: params.problemIds }),
    });
    const byModel = new Map<number, OutcomeRun[]>();
    for (const run of runs) {
      const list = byModel.get(run.modelId);
      if (list) list.push(run);
      else byModel.set(run.modelId, [run]);
    }
    for (const [modelId, modelRuns] of byModel) {
      const byProblem = groupBy(foldOutcomeRuns(modelRuns), (o) => o.problemId);
      for (const [problemId, outcomes] of byProblem) {
        table.get(modelId)?.set(problemId, computeMetrics(outcomes));
      }
    }
  }
  return table;
}

export function groupBy<T, K>(items: readonly T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = groups.get(key);
    if (list) list.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** Problem ids (in order) that have at least one active pattern. */
export async function problemsWithActivePatterns(db: Db): Promise<number[]> {
  const rows = await db
    .selectDistinct({ problemId: patterns.problemId })
    .from(patterns)
    .where(eq(patterns.active, true))
    .orderBy(asc(patterns.problemId));
  return rows.map((r) => r.problemId);
}

/** modelId → problemId → the graders behind that pass rate (sorted name@version, " + " joined). */
export type GradersTable = Map<number, Map<number, string>>;

/**
 * Which graders and embedders decided each (model, problem)'s counted results, read from what every result
 * recorded (`prediction.grading.by`). Errored results are left out, as they are of pass rates. Charts use it to
 * break a line where the graders change instead of joining numbers that are not comparable.
 */
export async function gradersByModelAndProblem(
  db: Db,
  params: { modelIds: readonly number[]; problemIds?: readonly number[] },
): Promise<GradersTable> {
  const table: GradersTable = new Map();
  if (params.modelIds.length === 0) return table;
  const by = sql<string>`${results.prediction}->'grading'->>'by'`;
  const rows = await db
    .selectDistinct({ modelId: results.modelId, problemId: results.problemId, by })
    .from(results)
    .innerJoin(patternRevisions, and(eq(patternRevisions.id, results.patternRevisionId), isCurrentRevision))
    .innerJoin(patterns, eq(patterns.id, results.patternId))
    .where(
      countedResults(
        and(
          inArray(results.modelId, [...params.modelIds]),
          params.problemIds === undefined ? undefined : inArray(results.problemId, [...params.problemIds]),
          sql`${results.status} <> 'errored'`,
          sql`${by} is not null`,
        ),
      ),
    );
  const sets = new Map<string, { modelId: number; problemId: number; by: string[] }>();
  for (const r of rows) {
    const key = `${r.modelId}:${r.problemId}`;
    const entry = sets.get(key) ?? { modelId: r.modelId, problemId: r.problemId, by: [] };
    entry.by.push(r.by);
    sets.set(key, entry);
  }
  for (const e of sets.values()) {
    const perProblem = table.get(e.modelId) ?? new Map<number, string>();
    perProblem.set(e.problemId, [...new Set(e.by)].sort().join(' + '));
    table.set(e.modelId, perProblem);
  }
  return table;
}

export interface ProblemStanding {
  problemId: number;
  passed: number;
  failed: number;
  errored: number;
  flaky: number;
}

/**
 * One model's outcome counts per problem, with its runs folded per revision by the database as foldRuns
 * folds them (errored runs left out; every run passed → passed, none → failed, some → flaky; only errored
 * → errored), over the current revisions of active patterns. A finished evaluation's summary reads this
 * one row per problem instead of loading and folding every result of the model in the worker.
 */
export async function standingByProblem(
  db: Db,
  modelId: number,
  problemIds: readonly number[],
): Promise<ProblemStanding[]> {
  if (problemIds.length === 0) return [];
  return executedRows<ProblemStanding>(
    await db.execute(sql`
      select problem_id as "problemId",
        (count(*) filter (where evaluated > 0 and passed = evaluated))::int as passed,
        (count(*) filter (where evaluated > 0 and passed = 0))::int as failed,
        (count(*) filter (where evaluated = 0))::int as errored,
        (count(*) filter (where passed > 0 and passed < evaluated))::int as flaky
      from (
        select r.problem_id, r.pattern_revision_id,
          count(*) filter (where r.status <> 'errored') as evaluated,
          count(*) filter (where r.status = 'passed') as passed
        from results r
        join pattern_revisions pr on pr.id = r.pattern_revision_id
        join patterns p on p.id = pr.pattern_id
        where r.model_id = ${modelId} and r.problem_id = any(${intArrayLiteral(problemIds)}::int[])
          and p.active
          and not exists (select 1 from pattern_revisions nr where nr.pattern_id = pr.pattern_id and nr.revision > pr.revision)
        group by r.problem_id, r.pattern_revision_id
      ) per_revision
      group by problem_id`),
  );
}
