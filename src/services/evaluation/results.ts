import type { Metrics } from '../../core/metrics.ts';
import { metricsFromCounts } from '../../core/metrics.ts';
import type { EvaluationStatus, EvaluationTrigger } from '../../core/outcome.ts';
import type { Db } from '../../db/client.ts';
import { type BatchCounts, recordBatchCounted } from '../../db/queries/batch-results.ts';
import { type EvaluationCost, evaluationCost } from '../../db/queries/costs.ts';
import {
  addEvaluationCounts,
  type CountDelta,
  type EvaluationRow,
  getEvaluationWithModel,
  insertEvaluation,
  type NewEvaluation,
  problemHeaders,
  refreshEvaluationCounts,
} from '../../db/queries/evaluations.ts';
import { standingByProblem } from '../../db/queries/reports.ts';
import {
  lockPriorResults,
  type NewResult,
  type PriorResult,
  problemIdsOfEvaluation,
  recordResults,
} from '../../db/queries/results.ts';

export type { NewResult } from '../../db/queries/results.ts';
export { recordResults, refreshEvaluationCounts };

/**
 * Writes one batch's results and moves its evaluation's counts, atomically and O(batch): the rows already
 * there for exactly these keys decide the delta, so a retried batch never counts twice. One statement does
 * it (recordBatchCounted); should Postgres refuse a row, a transaction writes the others and an errored row
 * for that one. Returns the evaluation's counts as they now stand (null when it is gone).
 */
export async function recordBatchResults(
  db: Db,
  batch: { evaluationId: number; modelId: number },
  rows: readonly NewResult[],
): Promise<BatchCounts | null> {
  try {
    return await recordBatchCounted(db, batch, rows);
  } catch {
    // Postgres refused something in the batch (a value storableResult did not foresee, a key twice): the
    // statement wrote nothing, and the slow path below finds the row that fails and keeps every other one.
  }
  const row = await recordBatchIsolated(db, batch, rows);
  return row
    ? {
        id: row.id,
        total: row.total,
        doneCount: row.doneCount,
        passed: row.passed,
        failed: row.failed,
        errored: row.errored,
      }
    : null;
}

async function recordBatchIsolated(
  db: Db,
  batch: { evaluationId: number; modelId: number },
  rows: readonly NewResult[],
): Promise<EvaluationRow | null> {
  const ordered = [...rows].sort((a, b) => a.patternRevisionId - b.patternRevisionId || a.run - b.run);
  const revisionIds = [...new Set(ordered.map((r) => r.patternRevisionId))];
  return db.transaction(async (tx) => {
    const prior = await lockPriorResults(tx, batch.modelId, revisionIds);
    const stored = await recordIsolated(tx, ordered);
    return addEvaluationCounts(tx, batch.evaluationId, countDelta(batch.evaluationId, prior, stored));
  });
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * One statement for the batch, inside a savepoint; should Postgres still refuse it (a value storableResult
 * did not foresee), each row is tried alone, and a row that cannot be stored becomes an errored row
 * saying why, without its output. One bad value never costs the other rows, nor a retry of the batch.
 */
async function recordIsolated(tx: Tx, rows: readonly NewResult[]): Promise<NewResult[]> {
  try {
    await tx.transaction((sp) => recordResults(sp as unknown as Db, rows));
    return [...rows];
  } catch {
    const stored: NewResult[] = [];
    for (const row of rows) {
      try {
        await tx.transaction((sp) => recordResults(sp as unknown as Db, [row]));
        stored.push(row);
      } catch (err) {
        // Only the key and counts stay: whatever Postgres refused (an output, a latency past int range) goes.
        const { output: _o, prediction: _p, latencyMs: _l, ...rest } = row;
        const errored: NewResult = {
          ...rest,
          status: 'errored',
          reason: `the result could not be stored: ${rootMessage(err)}`.slice(0, 500),
        };
        await recordResults(tx as unknown as Db, [errored]);
        stored.push(errored);
      }
    }
    return stored;
  }
}

function rootMessage(err: unknown): string {
  let current: unknown = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

/**
 * A key this evaluation already recorded (a retried batch) swaps its old status for the new one; a key that
 * was absent, or recorded by an earlier evaluation, is newly done for this one.
 */
function countDelta(
  evaluationId: number,
  prior: readonly PriorResult[],
  rows: readonly NewResult[],
): CountDelta {
  const delta: CountDelta = { done: 0, passed: 0, failed: 0, errored: 0 };
  const mine = new Map<string, PriorResult>();
  for (const p of prior) if (p.evaluationId === evaluationId) mine.set(`${p.patternRevisionId}/${p.run}`, p);
  for (const row of rows) {
    const old = mine.get(`${row.patternRevisionId}/${row.run}`);
    if (old) delta[old.status]--;
    else delta.done++;
    delta[row.status]++;
  }
  return delta;
}

/** Per-problem standing of the model once the evaluation is done (over current revisions of active patterns). */
interface ProblemSummary {
  problemId: number;
  key: string;
  title: string;
  threshold: number | null;
  metrics: Metrics;
}

export interface EvaluationSummary {
  perProblem: ProblemSummary[];
}

export interface EvaluationView {
  id: number;
  model: { id: number; name: string; version: string };
  trigger: EvaluationTrigger;
  status: EvaluationStatus;
  patternRevisionId: number | null;
  /** Set for the back-fill of a bulk add. */
  patternAddId: number | null;
  /** Folded into the evaluation's job ids (see evaluations.job_key). */
  jobKey: string;
  total: number;
  done: number;
  passed: number;
  failed: number;
  errored: number;
  /** Present once the evaluation is done. */
  perProblem: ProblemSummary[] | null;
  error: string | null;
  requestedBy: string | null;
  slack: { channel: string; threadTs: string | null } | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Requests, tokens and money: the candidate's, and each grader's apart (docs/generative.md). */
  cost: EvaluationCost;
}

export async function createEvaluation(db: Db, input: NewEvaluation): Promise<EvaluationRow> {
  return insertEvaluation(db, input);
}

export async function getEvaluation(deps: { db: Db }, id: number): Promise<EvaluationView | null> {
  const found = await getEvaluationWithModel(deps.db, id);
  if (!found) return null;
  const e = found.evaluation;
  const cost = await evaluationCost(deps.db, id);
  return {
    id: e.id,
    model: found.model,
    trigger: e.trigger,
    status: e.status,
    patternRevisionId: e.patternRevisionId,
    patternAddId: e.patternAddId,
    jobKey: e.jobKey,
    total: e.total,
    done: e.doneCount,
    passed: e.passed,
    failed: e.failed,
    errored: e.errored,
    perProblem: e.status === 'done' ? readSummary(e.summary).perProblem : null,
    error: e.error,
    requestedBy: e.requestedBy,
    slack: e.slackChannel ? { channel: e.slackChannel, threadTs: e.slackThreadTs } : null,
    createdAt: e.createdAt,
    startedAt: e.startedAt,
    finishedAt: e.finishedAt,
    cost,
  };
}

function readSummary(summary: unknown): EvaluationSummary {
  const perProblem = (summary as Partial<EvaluationSummary> | null)?.perProblem;
  return { perProblem: Array.isArray(perProblem) ? perProblem : [] };
}

/**
 * The model's metrics on every problem this evaluation touched: all runs of the model on those problems'
 * current revisions, folded per revision (by the database: standingByProblem), then rated. Standing rather than delta, so an onlyMissing
 * re-run still reports the whole picture.
 */
export async function summarizeEvaluation(
  db: Db,
  evaluationId: number,
  modelId: number,
): Promise<EvaluationSummary> {
  const problemIds = await problemIdsOfEvaluation(db, evaluationId);
  const [headers, standing] = await Promise.all([
    problemHeaders(db, problemIds),
    standingByProblem(db, modelId, problemIds),
  ]);
  const byProblem = new Map(standing.map((s) => [s.problemId, s]));
  const none = { passed: 0, failed: 0, errored: 0, flaky: 0 };
  const perProblem = headers.map((p) => ({
    problemId: p.id,
    key: p.key,
    title: p.title,
    threshold: p.threshold,
    metrics: metricsFromCounts(byProblem.get(p.id) ?? none),
  }));
  return { perProblem };
}
