import { type Job, type Processor, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { createGrading } from '../grading/grading.ts';
import { type CostMetrics, countGraderCalls } from '../grading/metrics.ts';
import type { Logger } from '../logger.ts';
import type { CanaryMetrics } from '../observability/metrics.ts';
import { createAdapterCache } from '../endpoints/adapter-cache.ts';
import { createRedis } from './connection.ts';
import { createEvaluationEvents, type EvaluationEvents } from '../services/evaluation/events.ts';
import { announceFinished } from '../services/evaluation/announce.ts';
import { parsePayload, QUEUE_NAMES } from './jobs.ts';
import { createEvaluationBatchProcessor } from '../services/evaluation/batch.ts';
import { createEvaluationRunProcessor } from '../services/evaluation/finish.ts';
import { createScheduler } from '../services/evaluation/plan.ts';
import { createQueues, type Queues } from './queues.ts';
import { createWatchdog } from '../services/evaluation/watchdog.ts';
import { markEvaluationFailed } from '../services/evaluation/results.ts';

export interface WorkerDeps {
  config: Pick<Config, 'redis' | 'workers' | 'endpoints'>;
  db: Db;
  log: Logger;
  /** Where endpoint secrets referenced by name are looked up (normally the process environment). */
  secrets: Record<string, string | undefined>;
  /** Processor for the notify queue (Slack messages, digests); without it no notify worker runs here. */
  notifyProcessor?: Processor;
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

  const processorDeps = { db: deps.db, queues, events, log, now };
  const costMetrics = costMetricsOf(deps.metrics);
  const grading = createGrading({
    db: deps.db,
    adapters,
    ...(costMetrics
      ? { onCalls: (model, fresh, cached, cost) => countGraderCalls(costMetrics, model, fresh, cached, cost) }
      : {}),
  });
  const runBatch = createEvaluationBatchProcessor({
    ...processorDeps,
    adapters,
    metrics: deps.metrics,
    grading,
    costMetrics,
  });
  const runParent = createEvaluationRunProcessor(processorDeps);
  const evaluationProcessor: Processor = async (job: Job) => {
    if (job.name === 'evaluation.batch') return runBatch(job);
    if (job.name === 'evaluation.run') return runParent(job);
    throw new UnrecoverableError(`unknown job ${job.name} on the ${QUEUE_NAMES.evaluations} queue`);
  };

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
      // The run job gave up for good (attempts used up, or unrecoverable): say so on the evaluation, or it
      // would look "running" for ever. A retry still to come leaves the job delayed, not failed.
      if (job?.name === 'evaluation.run') {
        void (async () => {
          if (await job.isFailed()) await failEvaluation(job.data, err);
        })().catch((e) => log.error({ err: e, jobId: job.id }, 'could not fail evaluation'));
      }
    });
    worker.on('stalled', (jobId) =>
      log.warn({ queue: name, jobId }, 'job stalled; handed to another worker'),
    );
    workers.push(worker);
    return worker;
  };

  makeWorker(QUEUE_NAMES.evaluations, evaluationProcessor, config.workers.concurrency);
  // Stranded evaluations (queued/running with no live job) are replaced from here: every worker process sweeps.
  const watchdog = createWatchdog({
    db: deps.db,
    queues,
    scheduler: createScheduler({ db: deps.db, queues, config, log, events, now }),
    log,
    afterMs: config.workers.watchdogAfterMs,
    events,
    now,
  });
  watchdog.start(Math.min(60_000, Math.max(500, Math.floor(config.workers.watchdogAfterMs / 2))));
  if (deps.notifyProcessor) makeWorker(QUEUE_NAMES.notify, deps.notifyProcessor, config.workers.concurrency);
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  log.info(
    {
      queues: workers.map((w) => w.name),
      concurrency: config.workers.concurrency,
      prefix: config.redis.prefix,
    },
    'workers started',
  );

  async function failEvaluation(data: unknown, err: Error): Promise<void> {
    const { evaluationId } = parsePayload('evaluation.run', data);
    const failed = await markEvaluationFailed(
      { db: deps.db, now },
      evaluationId,
      `run failed: ${err.message}`,
    );
    if (failed) await announceFinished({ db: deps.db, queues, events }, failed);
  }

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
