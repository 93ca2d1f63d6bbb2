import { CanaryError } from '../../core/errors.ts';
import type { EvaluationTrigger } from '../../core/outcome.ts';
import type { Db } from '../../db/client.ts';
import {
  type EvaluationRow,
  findActiveEvaluation,
  insertEvaluation,
  lockModelScheduling,
} from '../../db/queries/evaluations.ts';
import { getModelById, listModelRows } from '../../db/queries/models.ts';
import { getPatternAdd } from '../../db/queries/pattern-adds.ts';
import { revisionIdsForEvaluation } from '../../db/queries/patterns.ts';
import type { Logger } from '../../logger.ts';
import type { EvaluationQueue, EvaluationScheduler } from '../ports.ts';
import { announceBackfillIfComplete, announceFinished } from './announce.ts';
import type { EvaluationEvents } from './events.ts';
import { markEvaluationFailed } from './fail.ts';
import { finalizeEvaluation } from './finish.ts';

export interface PlanDeps {
  db: Db;
  queue: EvaluationQueue;
  log?: Logger | undefined;
  events?: EvaluationEvents | undefined;
  now?: (() => Date) | undefined;
}

/**
 * A queued evaluation whose parent job is missing this long after creation was orphaned (the process died
 * between the database insert and the enqueue): it is failed and replaced rather than reused for ever.
 */
const ORPHAN_AFTER_MS = 60_000;

type Scope = {
  patternRevisionId: number | null;
  /** A bulk add: every revision that arrived with it. */
  patternAddId?: number | null;
  problemId?: number | undefined;
  onlyMissing: boolean;
};

interface Planned {
  evaluation: EvaluationRow;
  created: boolean;
  revisionIds: number[];
  runs: number;
}

/**
 * Planning and queueing evaluations: the EvaluationScheduler services ask for (register a model, add a pattern,
 * re-run), over the EvaluationQueue port (src/queue/transport.ts).
 */
export function createEvaluationScheduler(deps: PlanDeps): EvaluationScheduler {
  const now = deps.now ?? (() => new Date());
  const serviceDeps = { db: deps.db, now };

  async function plan(
    modelId: number,
    scope: Scope,
    meta: {
      trigger: EvaluationTrigger;
      requestedBy?: string | null | undefined;
      slack?: { channel: string; threadTs?: string | null | undefined } | undefined;
    },
  ): Promise<Planned> {
    const model = await getModelById(deps.db, modelId);
    if (!model) throw new CanaryError('model_not_found', `There is no model with id ${modelId}.`);
    return deps.db.transaction(async (tx) => {
      await lockModelScheduling(tx, modelId);
      const active = await findActiveEvaluation(tx, {
        modelId,
        patternRevisionId: scope.patternRevisionId,
        patternAddId: scope.patternAddId ?? null,
      });
      if (active && !(await isOrphan(active))) {
        return { evaluation: active, created: false, revisionIds: [], runs: model.repeats };
      }
      if (active) {
        await markEvaluationFailed(
          { db: tx, now },
          active.id,
          active.status === 'queued'
            ? 'never enqueued: the scheduler stopped before queueing it'
            : 'abandoned: its run job failed for good; replaced by a new evaluation',
        );
      }
      const revisionIds = await revisionIdsForEvaluation(tx, {
        modelId,
        onlyMissing: scope.onlyMissing,
        runs: model.repeats,
        ...(scope.problemId === undefined ? {} : { problemId: scope.problemId }),
        ...(scope.patternRevisionId === null ? {} : { revisionIds: [scope.patternRevisionId] }),
        ...(scope.patternAddId == null ? {} : { addId: scope.patternAddId }),
      });
      const evaluation = await insertEvaluation(tx, {
        modelId,
        trigger: meta.trigger,
        total: revisionIds.length * model.repeats,
        patternRevisionId: scope.patternRevisionId,
        patternAddId: scope.patternAddId ?? null,
        requestedBy: meta.requestedBy ?? null,
        slack: meta.slack ? { channel: meta.slack.channel, threadTs: meta.slack.threadTs ?? null } : null,
      });
      return { evaluation, created: true, revisionIds, runs: model.repeats };
    });
  }

  /**
   * An active evaluation nobody will finish: queued but never enqueued (the process died in between), or running
   * with its parent job gone or failed for good (e.g. a long outage used up its attempts). It is failed and replaced,
   * so one bad run never blocks a model's evaluations for ever.
   */
  async function isOrphan(evaluation: EvaluationRow): Promise<boolean> {
    if (now().getTime() - evaluation.createdAt.getTime() < ORPHAN_AFTER_MS) return false;
    const { state } = await deps.queue.runJobState(evaluation);
    if (state === 'missing') return true;
    return evaluation.status === 'running' && state === 'failed';
  }

  /**
   * Outside the enqueue's try: once the flow is in, the batches run whatever happens here, so a lost
   * "started" message must not mark a running evaluation failed.
   */
  async function announceStarted(evaluationId: number, jobKey: string): Promise<void> {
    try {
      await deps.queue.notify('notify.evaluation-started', { evaluationId, jobKey });
    } catch (err) {
      deps.log?.warn({ evaluationId, err }, 'evaluation started notification could not be queued');
    }
  }

  async function start(planned: Planned, modelId: number): Promise<void> {
    const { evaluation } = planned;
    if (!planned.created) return;
    if (planned.revisionIds.length === 0) {
      // Nothing to run: done at once, and the requester still hears back.
      const { evaluation: done } = await finalizeEvaluation(serviceDeps, evaluation.id);
      if (done) await announceFinished({ db: deps.db, queue: deps.queue, events: deps.events }, done);
      return;
    }
    try {
      await deps.queue.enqueueEvaluation(
        evaluation.id,
        modelId,
        planned.revisionIds,
        planned.runs,
        evaluation.jobKey,
      );
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      await markEvaluationFailed(serviceDeps, evaluation.id, `could not be queued: ${reason}`);
      throw new CanaryError(
        'queue_unavailable',
        `The evaluation could not be queued (${reason}). Try again shortly.`,
      );
    }
    await announceStarted(evaluation.id, evaluation.jobKey);
    deps.log?.info({ evaluationId: evaluation.id, modelId, total: evaluation.total }, 'evaluation queued');
  }

  return {
    async evaluateModel(input) {
      const planned = await plan(
        input.modelId,
        { patternRevisionId: null, problemId: input.problemId, onlyMissing: input.onlyMissing ?? true },
        input,
      );
      await start(planned, input.modelId);
      return { evaluationId: planned.evaluation.id };
    },
    async backfillRevision(input) {
      const targets = await listModelRows(deps.db, { status: ['candidate', 'production'] });
      const evaluationIds: number[] = [];
      for (const model of targets) {
        const planned = await plan(
          model.id,
          { patternRevisionId: input.patternRevisionId, onlyMissing: true },
          { trigger: 'backfill', requestedBy: input.requestedBy, slack: input.slack },
        );
        await start(planned, model.id);
        evaluationIds.push(planned.evaluation.id);
      }
      // With no model to run on, or every model already answered, the revision is back-filled now.
      await announceBackfillIfComplete({ db: deps.db, queue: deps.queue }, input.patternRevisionId);
      return { evaluationIds };
    },
    async backfillAdd(input) {
      const add = await getPatternAdd(deps.db, input.addId);
      if (!add) throw new CanaryError('not_found', `There is no bulk add #${input.addId}.`);
      const targets = await listModelRows(deps.db, { status: ['candidate', 'production'] });
      const evaluationIds: number[] = [];
      for (const model of targets) {
        const planned = await plan(
          model.id,
          { patternRevisionId: null, patternAddId: add.id, onlyMissing: true },
          { trigger: 'backfill', requestedBy: input.requestedBy },
        );
        await start(planned, model.id);
        evaluationIds.push(planned.evaluation.id);
      }
      // The cards' counts change now, whether or not a model exists to back-fill on.
      await deps.queue.notify('notify.patterns-added', { addId: add.id, jobKey: add.jobKey });
      return { evaluationIds };
    },
  };
}
