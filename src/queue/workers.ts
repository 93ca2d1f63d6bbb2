import { Job, type Processor, type Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { createAdapterCache } from '../endpoints/adapter-cache.ts';
import { createGrading } from '../grading/grading.ts';
import { type CostMetrics, countGraderCalls } from '../grading/metrics.ts';
import type { Logger } from '../logger.ts';
import type { CanaryMetrics } from '../observability/metrics.ts';
import { createBatchRunner } from '../services/evaluation/batch.ts';
import { createEvaluationEvents, type EvaluationEvents } from '../services/evaluation/events.ts';
import { failEvaluation } from '../services/evaluation/fail.ts';
import { type FailedBatch, finishEvaluation } from '../services/evaluation/finish.ts';
import { createWatchdog } from '../services/evaluation/watchdog.ts';
import { createRedis } from './connection.ts';
import {
  type Handlers,
  handlerOf,
  type JobHandlers,
  type JobsOn,
  type NotifyJobs,
  processorFor,
} from './handlers.ts';
import { jobCatalog, parsePayload, QUEUE_NAMES } from './jobs.ts';
import { pruneHandler } from './observation-retention.ts';
import { createQueues, type Queues } from './queues.ts';
import { createEvaluationQueue, createScheduler } from './transport.ts';

export interface WorkerDeps {
  config: Pick<Config, 'redis' | 'workers' | 'endpoints' | 'observations'>;
  db: Db;
  log: Logger;
  /** Where endpoint secrets referenced by name are looked up (normally the process environment). */
  secrets: Record<string, string | undefined>;
  /**
   * The notify queue's handlers (Slack messages, digests: src/notify/, built by src/compose.ts); without them no
   * notify worker runs here (nor the observation prune that shares its queue).
   */
  notify?: NotifyJobs;
  /** Producer side to enqueue follow-up jobs on; created (and closed) here when not given. */
  queues?: Queues;
  events?: EvaluationEvents;
  now?: () => Date;
  /** Where committed outcomes and endpoint latencies are counted; nothing is counted without it. */
  metrics?: Pick<CanaryMetrics, 'evaluations' | 'endpointLatencyFor'> & Partial<CostMetrics>;
}

export interface RunningWorkers {
  events: EvaluationEvents;
  queues: Queues;
  /** Stops taking jobs, lets in-flight jobs finish, then closes queues, Redis and adapters. Safe to call twice. */
  close(): Promise<void>;
}

/** Below this a busy-but-alive worker loses its lock (see `timing` below). */
export const MIN_LOCK_MS = 5_000;

export async function startWorkers(deps: WorkerDeps): Promise<RunningWorkers> {
  const { config } = deps;
  const log = deps.log.child({ module: 'workers' });
  const now = deps.now ?? (() => new Date());
  const events = deps.events ?? createEvaluationEvents();
  const ownsQueues = deps.queues === undefined;
  const queues = deps.queues ?? createQueues(config, (err) => log.warn({ err }, 'queue connection error'));
  const adapters = createAdapterCache({
    secrets: deps.secrets,
    allowlist: config.endpoints.allowlist,
    protectedHosts: config.endpoints.protectedHosts,
    maxResponseBytes: config.endpoints.maxResponseBytes,
    defaultBatchSize: config.workers.batchSize,
  });

  const queue = createEvaluationQueue(queues, config);
  const lifecycle = { db: deps.db, queue, events, log, now };
  const costMetrics = costMetricsOf(deps.metrics);
  const grading = createGrading({
    db: deps.db,
    adapters,
    ...(costMetrics
      ? { onCalls: (model, fresh, cached, cost) => countGraderCalls(costMetrics, model, fresh, cached, cost) }
      : {}),
  });
  const runBatch = createBatchRunner({
    ...lifecycle,
    adapters,
    metrics: deps.metrics,
    grading,
    costMetrics,
  });
  // The processors: each job of the catalog is one call into a service.
  const evaluationHandlers: Handlers<JobsOn<'evaluations'>> = {
    'evaluation.batch': {
      async run(payload, job) {
        const { outcome, progress } = await runBatch(payload, job.attemptsMade + 1);
        if (progress) await job.updateProgress(progress);
        return outcome;
      },
    },
    'evaluation.run': {
      run: async (payload, job) =>
        finishEvaluation(
          lifecycle,
          payload.evaluationId,
          await failedBatchesOf(job, queues.evaluations, log),
        ),
      // The run job gave up for good: the evaluation fails, or it would look "running" for ever.
      failedForGood: (payload, err) => failEvaluation(lifecycle, payload.evaluationId, err.message),
    },
  };
  const handlers: Partial<JobHandlers> = deps.notify
    ? ({
        ...evaluationHandlers,
        'observations.prune': pruneHandler(lifecycle, config.observations.retentionDays),
        ...deps.notify.handlers,
      } satisfies JobHandlers)
    : evaluationHandlers;

  // The lock is renewed every half lockDuration; a worker that dies stops renewing, and the stalled
  // check (run by any live worker every stalledInterval) hands its job to someone else. A live worker
  // whose event loop is busy for more than half the lock (parsing a large answer, checking a long chunk,
  // a model server in the same process) misses a renewal and loses the job to another worker, which
  // calls the endpoint again: with the lock equal to a 1 s interval that cost 781 calls for 464 results.
  // The lock therefore never drops below MIN_LOCK_MS; a short interval still makes the check run often.
  const timing = {
    lockDuration: Math.max(config.workers.stalledIntervalMs, MIN_LOCK_MS),
    stalledInterval: config.workers.stalledIntervalMs,
    // A job caught by two crashes in a row is still retried once more before it is failed.
    maxStalledCount: 2,
  };
  const connections: Redis[] = [];
  const workers: Worker[] = [];
  const makeWorker = (name: string, processor: Processor, concurrency: number) => {
    const connection = createRedis(
      config.redis.url,
      'worker',
      `${config.redis.prefix}:canary-worker:${name}`,
    );
    connections.push(connection);
    const worker = new Worker(name, processor, {
      connection,
      prefix: config.redis.prefix,
      concurrency,
      ...timing,
    });
    worker.on('error', (err) => log.error({ queue: name, err }, 'worker error'));
    worker.on('failed', (job, err) => {
      log.warn(
        { queue: name, job: job?.name, jobId: job?.id, attemptsMade: job?.attemptsMade, err: err.message },
        'job failed',
      );
      // A retry still to come leaves the job delayed, not failed: only a job failed for good is handed on.
      const failedForGood = job ? handlerOf(handlers, job.name)?.failedForGood : undefined;
      if (job && failedForGood) {
        void (async () => {
          if (await job.isFailed())
            await failedForGood(parsePayload(job.name as keyof typeof jobCatalog, job.data), err);
        })().catch((e) => log.error({ err: e, jobId: job.id }, 'job failed for good; its handler failed'));
      }
    });
    worker.on('stalled', (jobId) =>
      log.warn({ queue: name, jobId }, 'job stalled; handed to another worker'),
    );
    workers.push(worker);
    return worker;
  };

  makeWorker(QUEUE_NAMES.evaluations, processorFor('evaluations', handlers), config.workers.concurrency);
  // Stranded evaluations (queued/running with no live job) are replaced from here: every worker process sweeps.
  const watchdog = createWatchdog({
    db: deps.db,
    queue,
    scheduler: createScheduler({ db: deps.db, queues, config, log, events, now }),
    log,
    afterMs: config.workers.watchdogAfterMs,
    events,
    now,
  });
  watchdog.start(Math.min(60_000, Math.max(500, Math.floor(config.workers.watchdogAfterMs / 2))));
  if (deps.notify)
    makeWorker(
      QUEUE_NAMES.notify,
      processorFor('notify', handlers, deps.notify.around),
      config.workers.concurrency,
    );
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  log.info(
    {
      queues: workers.map((w) => w.name),
      concurrency: config.workers.concurrency,
      prefix: config.redis.prefix,
    },
    'workers started',
  );

  let closing: Promise<void> | undefined;
  return {
    events,
    queues,
    close() {
      closing ??= (async () => {
        await watchdog.stop();
        await Promise.allSettled(workers.map((w) => w.close()));
        if (ownsQueues) await queues.close();
        await adapters.closeAll();
        await Promise.allSettled(connections.map((c) => c.quit().catch(() => c.disconnect())));
        log.info('workers stopped');
      })();
      return closing;
    },
  };
}

function costMetricsOf(metrics: WorkerDeps['metrics']): CostMetrics | undefined {
  if (!metrics?.modelRequests || !metrics.modelTokens || !metrics.modelCostUsd || !metrics.graderAnswers)
    return undefined;
  const { modelRequests, modelTokens, modelCostUsd, graderAnswers } = metrics;
  return { modelRequests, modelTokens, modelCostUsd, graderAnswers };
}

/** The batches of a run that gave up for good, read back from BullMQ, for finishEvaluation to fill their gaps. */
async function failedBatchesOf(job: Job, queue: Queue, log: Logger): Promise<FailedBatch[]> {
  const failures = await job.getIgnoredChildrenFailures();
  const out: FailedBatch[] = [];
  for (const [childKey, failedReason] of Object.entries(failures)) {
    // A child key is `<prefix>:<queue>:<jobId>`; job ids never contain ':'.
    const childId = childKey.slice(childKey.lastIndexOf(':') + 1);
    const child = await Job.fromId(queue, childId);
    if (!child) {
      log.error({ childKey }, 'failed evaluation batch is gone; its gaps cannot be recorded');
      continue;
    }
    const parsed = jobCatalog['evaluation.batch'].schema.safeParse(child.data);
    if (!parsed.success) {
      log.error(
        { childKey },
        'failed evaluation batch has an unreadable payload; its gaps cannot be recorded',
      );
      continue;
    }
    out.push({ payload: parsed.data, attemptsMade: child.attemptsMade, failedReason });
  }
  return out;
}
