import type { FlowChildJob } from 'bullmq';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { EvaluationEvents } from '../services/evaluation/events.ts';
import { createEvaluationScheduler } from '../services/evaluation/plan.ts';
import type { EvaluationQueue, EvaluationScheduler, Notices } from '../services/ports.ts';
import {
  addJob,
  type JobPayload,
  jobOptionsFor,
  progressDeduplication,
  QUEUE_NAMES,
  validatePayload,
} from './jobs.ts';
import type { Queues } from './queues.ts';

/** Every notice the lifecycle sends is a catalogued job with the same payload: this line fails to compile if not. */
type NoticesAreJobs = { [N in keyof Notices]: Notices[N] extends JobPayload<N> ? N : never };
const noticesAreJobs = <N extends keyof Notices>(name: N, payload: Notices[N]) =>
  payload as JobPayload<NoticesAreJobs[N]>;

/** The EvaluationQueue port on BullMQ: an evaluation is one flow, a notice one notify job. */
export function createEvaluationQueue(
  queues: Pick<Queues, 'evaluations' | 'notify' | 'flow'>,
  config: Pick<Config, 'workers'>,
): EvaluationQueue {
  return {
    async enqueueEvaluation(evaluationId, modelId, revisionIds, runs, jobKey) {
      const parentData = validatePayload('evaluation.run', { evaluationId, jobKey });
      const parentOpts = jobOptionsFor('evaluation.run', parentData);
      // Re-adding a flow whose parent exists would add its children again under the old parent
      // (taskforcesh/bullmq#1793), so an existing parent means the request has already been queued.
      if (await queues.evaluations.getJob(parentOpts.jobId as string)) return;
      const children: FlowChildJob[] = chunk(revisionIds, config.workers.chunkSize).map((ids, batch) => {
        const data = validatePayload('evaluation.batch', {
          evaluationId,
          jobKey,
          modelId,
          batch,
          revisionIds: ids,
          runs,
        });
        return {
          name: 'evaluation.batch',
          queueName: QUEUE_NAMES.evaluations,
          data,
          opts: { ...jobOptionsFor('evaluation.batch', data), attempts: config.workers.batchAttempts },
        };
      });
      await queues.flow.add({
        name: 'evaluation.run',
        queueName: QUEUE_NAMES.evaluations,
        data: parentData,
        opts: parentOpts,
        children,
      });
    },
    async runJobState(evaluation) {
      const jobId = jobOptionsFor('evaluation.run', {
        evaluationId: evaluation.id,
        jobKey: evaluation.jobKey,
      }).jobId as string;
      const job = await queues.evaluations.getJob(jobId);
      return { jobId, state: job ? await job.getState() : 'missing' };
    },
    async notify(name, payload) {
      const overrides =
        name === 'notify.evaluation-progress'
          ? {
              deduplication: progressDeduplication(
                (payload as Notices['notify.evaluation-progress']).evaluationId,
                (payload as Notices['notify.evaluation-progress']).jobKey,
              ),
            }
          : {};
      await addJob(queues, name, noticesAreJobs(name, payload), overrides);
    },
  };
}

export interface SchedulerDeps {
  db: Db;
  queues: Pick<Queues, 'evaluations' | 'notify' | 'flow'>;
  config: Pick<Config, 'workers'>;
  log?: Logger;
  events?: EvaluationEvents;
  now?: () => Date;
}

/** The evaluation scheduler (src/services/evaluation/plan.ts) over BullMQ, as every entry point builds it. */
export function createScheduler(deps: SchedulerDeps): EvaluationScheduler & {
  /** Enqueues (again) the flow of an evaluation; a no-op when its parent job already exists. */
  enqueueEvaluation: EvaluationQueue['enqueueEvaluation'];
} {
  const queue = createEvaluationQueue(deps.queues, deps.config);
  return {
    ...createEvaluationScheduler({ db: deps.db, queue, log: deps.log, events: deps.events, now: deps.now }),
    enqueueEvaluation: queue.enqueueEvaluation,
  };
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
