import type { Db } from '../db/client.ts';
import type { EvaluationRow } from '../db/queries/evaluations.ts';
import { evaluationStatuses } from '../db/queries/evaluations.ts';
import type { EvaluationEvents } from './events.ts';
import { addJob, type QueueSet } from './jobs.ts';

/**
 * What follows a finished evaluation, safe to repeat: the finished notification (its jobId collapses
 * repeats), the in-process event, and — when this was the last back-fill of a revision — the
 * pattern-backfilled notification.
 */
export async function announceFinished(
  deps: { db: Db; queues: QueueSet; events?: EvaluationEvents | undefined },
  evaluation: EvaluationRow,
): Promise<void> {
  await addJob(deps.queues, 'notify.evaluation-finished', { evaluationId: evaluation.id });
  if (evaluation.trigger === 'backfill' && evaluation.patternRevisionId !== null) {
    await announceBackfillIfComplete(deps, evaluation.patternRevisionId);
  }
  deps.events?.emit('evaluation.finished', {
    evaluationId: evaluation.id,
    status: evaluation.status,
    total: evaluation.total,
    done: evaluation.doneCount,
    passed: evaluation.passed,
    failed: evaluation.failed,
    errored: evaluation.errored,
  });
}

export async function announceBackfillIfComplete(
  deps: { db: Db; queues: QueueSet },
  patternRevisionId: number,
): Promise<void> {
  const statuses = await evaluationStatuses(deps.db, { patternRevisionId, trigger: 'backfill' });
  if (statuses.every((s) => s === 'done' || s === 'failed')) {
    await addJob(deps.queues, 'notify.pattern-backfilled', { patternRevisionId });
  }
}
