import type { Db } from '../../db/client.ts';
import type { EvaluationRow } from '../../db/queries/evaluations.ts';
import { evaluationStatuses } from '../../db/queries/evaluations.ts';
import { getPatternAdd } from '../../db/queries/pattern-adds.ts';
import type { EvaluationQueue } from '../ports.ts';
import type { EvaluationEvents } from './events.ts';

export interface AnnounceDeps {
  db: Db;
  queue: Pick<EvaluationQueue, 'notify'>;
  events?: EvaluationEvents | undefined;
}

/**
 * What follows a finished evaluation, safe to repeat: the finished notification (its jobId collapses
 * repeats), the in-process event, and — when this was the last back-fill of a revision — the
 * pattern-backfilled notification.
 */
export async function announceFinished(deps: AnnounceDeps, evaluation: EvaluationRow): Promise<void> {
  await deps.queue.notify('notify.evaluation-finished', {
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
      await deps.queue.notify('notify.add-backfilled', {
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
  deps: Pick<AnnounceDeps, 'db' | 'queue'>,
  patternRevisionId: number,
): Promise<void> {
  const statuses = await evaluationStatuses(deps.db, { patternRevisionId, trigger: 'backfill' });
  if (statuses.every((s) => s === 'done' || s === 'failed')) {
    await deps.queue.notify('notify.pattern-backfilled', { patternRevisionId });
  }
}
