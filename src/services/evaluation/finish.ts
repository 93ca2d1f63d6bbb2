import { Job, type Queue } from 'bullmq';
import type { Db } from '../../db/client.ts';
import {
  existingResultKeys,
  type NewResult,
  recordMissingResults,
  revisionsByIds,
} from '../../db/queries/results.ts';
import type { Logger } from '../../logger.ts';
import { finalizeEvaluation } from './results.ts';
import type { EvaluationEvents } from './events.ts';
import { announceFinished } from './announce.ts';
import { jobCatalog, parsePayload, type QueueSet } from '../../queue/jobs.ts';

export interface RunProcessorDeps {
  db: Db;
  queues: QueueSet;
  events?: EvaluationEvents | undefined;
  log: Logger;
  now: () => Date;
}

/**
 * The parent of an evaluation's batches, run by BullMQ once every batch has completed or given up.
 * Batches that gave up leave gaps; each gap becomes an errored result naming the failure, so the
 * evaluation always accounts for everything it promised. Then the evaluation is finalized (idempotent).
 */
export function createEvaluationRunProcessor(deps: RunProcessorDeps) {
  return async function processEvaluationRun(job: Job): Promise<{ status: string }> {
    const { evaluationId } = parsePayload('evaluation.run', job.data);
    const failures = await job.getIgnoredChildrenFailures();
    let filled = 0;
    for (const [key, failedReason] of Object.entries(failures)) {
      filled += await fillGapsOfFailedBatch(deps, deps.queues.evaluations, key, failedReason);
    }
    if (filled > 0)
      deps.log.warn({ evaluationId, filled }, 'evaluation batches failed; gaps recorded as errored');
    const { evaluation } = await finalizeEvaluation(deps, evaluationId);
    if (!evaluation) {
      deps.log.warn({ evaluationId }, 'evaluation row vanished before it could be finalized');
      return { status: 'missing' };
    }
    await announceFinished(deps, evaluation);
    return { status: evaluation.status };
  };
}

async function fillGapsOfFailedBatch(
  deps: RunProcessorDeps,
  queue: Queue,
  childKey: string,
  failedReason: string,
): Promise<number> {
  // A child key is `<prefix>:<queue>:<jobId>`; job ids never contain ':'.
  const childId = childKey.slice(childKey.lastIndexOf(':') + 1);
  const child = await Job.fromId(queue, childId);
  if (!child) {
    deps.log.error({ childKey }, 'failed evaluation batch is gone; its gaps cannot be recorded');
    return 0;
  }
  const parsed = jobCatalog['evaluation.batch'].schema.safeParse(child.data);
  if (!parsed.success) {
    deps.log.error(
      { childKey },
      'failed evaluation batch has an unreadable payload; its gaps cannot be recorded',
    );
    return 0;
  }
  const payload = parsed.data;
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
        attempts: child.attemptsMade,
      });
    }
  }
  return recordMissingResults(deps.db, gaps);
}
