import type { Db } from '../../db/client.ts';
import { type EvaluationRow, failEvaluationRow } from '../../db/queries/evaluations.ts';
import { type AnnounceDeps, announceFinished } from './announce.ts';

export async function markEvaluationFailed(
  deps: { db: Db; now: () => Date },
  evaluationId: number,
  error: string,
): Promise<EvaluationRow | null> {
  return failEvaluationRow(deps.db, evaluationId, { error, now: deps.now() });
}

/**
 * A run job that failed for good (its attempts used up, or unrecoverable) fails its evaluation, or it would look
 * "running" for ever, and the requester hears it finished. A retry still to come is not "for good": the queue
 * calls this only once the job is failed (`failedForGood` in src/queue/handlers.ts). Returns the failed row, or null
 * when the evaluation had already finished (nothing is announced twice).
 */
export async function failEvaluation(
  deps: AnnounceDeps & { now: () => Date },
  evaluationId: number,
  reason: string,
): Promise<EvaluationRow | null> {
  const failed = await markEvaluationFailed(deps, evaluationId, `run failed: ${reason}`);
  if (failed) await announceFinished(deps, failed);
  return failed;
}
