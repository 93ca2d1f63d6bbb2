import type { Db } from '../../db/client.ts';
import {
  completeEvaluationRow,
  type EvaluationRow,
  getEvaluationRow,
  refreshEvaluationCounts,
} from '../../db/queries/evaluations.ts';
import {
  existingResultKeys,
  type NewResult,
  recordMissingResults,
  revisionsByIds,
} from '../../db/queries/results.ts';
import type { Logger } from '../../logger.ts';
import { type AnnounceDeps, announceFinished } from './announce.ts';
import { summarizeEvaluation } from './results.ts';

export interface FinishDeps extends AnnounceDeps {
  log: Logger;
  now: () => Date;
}

/** A batch that gave up for good: what it was asked to run, how often it tried and why it failed. */
export interface FailedBatch {
  payload: { evaluationId: number; modelId: number; revisionIds: readonly number[]; runs: number };
  attemptsMade: number;
  failedReason: string;
}

/**
 * Run once every batch of the evaluation has completed or given up. Batches that gave up leave gaps; each gap
 * becomes an errored result naming the failure, so the evaluation always accounts for everything it promised.
 * Then the evaluation is finalized (idempotent) and announced.
 */
export async function finishEvaluation(
  deps: FinishDeps,
  evaluationId: number,
  failedBatches: readonly FailedBatch[],
): Promise<{ status: string }> {
  let filled = 0;
  for (const batch of failedBatches) filled += await fillGapsOfFailedBatch(deps, batch);
  if (filled > 0)
    deps.log.warn({ evaluationId, filled }, 'evaluation batches failed; gaps recorded as errored');
  const { evaluation } = await finalizeEvaluation(deps, evaluationId);
  if (!evaluation) {
    deps.log.warn({ evaluationId }, 'evaluation row vanished before it could be finalized');
    return { status: 'missing' };
  }
  await announceFinished(deps, evaluation);
  return { status: evaluation.status };
}

async function fillGapsOfFailedBatch(deps: FinishDeps, failed: FailedBatch): Promise<number> {
  const { payload, failedReason } = failed;
  const [revisions, existing] = await Promise.all([
    revisionsByIds(deps.db, payload.revisionIds),
    existingResultKeys(deps.db, payload.modelId, payload.revisionIds),
  ]);
  const have = new Set(
    existing.filter((k) => k.status !== 'errored').map((k) => `${k.patternRevisionId}/${k.run}`),
  );
  const reason = `worker failed: ${failedReason || 'unknown error'}`;
  const gaps: NewResult[] = [];
  for (const revision of revisions) {
    for (let run = 1; run <= payload.runs; run++) {
      if (have.has(`${revision.id}/${run}`)) continue;
      gaps.push({
        modelId: payload.modelId,
        patternRevisionId: revision.id,
        patternId: revision.patternId,
        problemId: revision.problemId,
        run,
        evaluationId: payload.evaluationId,
        status: 'errored',
        reason,
        attempts: failed.attemptsMade,
      });
    }
  }
  return recordMissingResults(deps.db, gaps);
}

/**
 * Marks the evaluation done with its summary. Idempotent: a second call (a retried parent job) finds it
 * already finished and changes nothing. Returns the row as it now stands.
 */
export async function finalizeEvaluation(
  deps: { db: Db; now: () => Date },
  evaluationId: number,
): Promise<{ evaluation: EvaluationRow | null; finishedNow: boolean }> {
  const before = await getEvaluationRow(deps.db, evaluationId);
  if (!before) return { evaluation: null, finishedNow: false };
  if (before.status === 'done' || before.status === 'failed')
    return { evaluation: before, finishedNow: false };
  const counted = (await refreshEvaluationCounts(deps.db, evaluationId)) ?? before;
  const summary = await summarizeEvaluation(deps.db, evaluationId, counted.modelId);
  const done = await completeEvaluationRow(deps.db, evaluationId, { summary, now: deps.now() });
  if (done) return { evaluation: done, finishedNow: true };
  return { evaluation: await getEvaluationRow(deps.db, evaluationId), finishedNow: false };
}
