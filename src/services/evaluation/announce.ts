import type { Db } from '../../db/client.ts';
import type { EvaluationRow } from '../../db/queries/evaluations.ts';
import { evaluationStatuses } from '../../db/queries/evaluations.ts';
import { getPatternAdd } from '../../db/queries/pattern-adds.ts';
import type { EvaluationEvents } from './events.ts';
import { addJob, type QueueSet } from '../../queue/jobs.ts';

/**
 * What follows a finished evaluation, safe to repeat: the finished notification (its jobId collapses
 * repeats), the in-process event, and — when this was the last back-fill of a revision — the
 * pattern-backfilled notification.
 */
export async function announceFinished(
  deps: { db: Db; queues: QueueSet; events?: EvaluationEvents | undefined },
  evaluation: EvaluationRow,
): Promise<void> {
  await addJob(deps.queues, 'notify.evaluation-finished', {
    evaluationId: evaluation.id,
    jobKey: evaluation.jobKey,
  });
  if (evaluation.trigger === 'backfill' && evaluation.patternRevisionId !== null) {
    await announceBackfillIfComplete(deps, evaluation.patternRevisionId);
  }
  if (evaluation.patternAddId !== null) {
    const add = await getPatternAdd(deps.db, evaluation.patternAddId);
    // One job per finishing evaluation of the add: each re-renders the add's messages, none is collapsed away.
    if (add)
      await addJob(deps.queues, 'notify.add-backfilled', {
        addId: add.id,
        jobKey: add.jobKey,
        evaluationId: evaluation.id,
      });
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
