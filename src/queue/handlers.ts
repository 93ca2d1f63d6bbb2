import { type Job, type Processor, UnrecoverableError } from 'bullmq';
import { CanaryError } from '../core/errors.ts';
import { type JobName, type JobPayload, jobCatalog, parsePayload, type QUEUE_NAMES } from './jobs.ts';

/**
 * What runs a catalogued job: `run` gets the parsed payload (a payload that does not parse fails the job for good),
 * `failedForGood` hears when the job gave up for good (attempts used up, or unrecoverable).
 */
export interface Handler<N extends JobName> {
  run(payload: JobPayload<N>, job: Job): Promise<unknown>;
  failedForGood?(payload: JobPayload<N>, err: Error): Promise<unknown>;
}

/** The jobs of one queue. */
export type JobsOn<Q extends keyof typeof QUEUE_NAMES> = {
  [N in JobName]: (typeof jobCatalog)[N]['queue'] extends Q ? N : never;
}[JobName];

/** A handler for each of these jobs and nothing else: a missing or an extra key does not compile. */
export type Handlers<N extends JobName> = { [K in N]: Handler<K> };

/** The one handler map: every job of the catalog, keyed by name (assembled in src/queue/workers.ts). */
export type JobHandlers = Handlers<JobName>;

/** The notify queue's jobs that post to Slack (src/notify/); observations.prune runs beside them. */
export type SlackJobName = Exclude<JobsOn<'notify'>, 'observations.prune'>;

/** Runs around every job of a queue: the notify queue waits out a busy Slack channel there. */
export type Around = (job: Job, token: string | undefined, run: () => Promise<unknown>) => Promise<unknown>;

/** The Slack part of the map (src/notify/), handed to startWorkers by the composition root. */
export interface NotifyJobs {
  handlers: Handlers<SlackJobName>;
  around?: Around | undefined;
}

/**
 * The BullMQ processor of one queue: looks the job up in the handler map and runs it with its parsed payload.
 * A CanaryError is an answer, not an outage (a model that no longer exists): retrying would not change it.
 */
export function processorFor(
  queue: keyof typeof QUEUE_NAMES,
  handlers: Partial<JobHandlers>,
  around?: Around,
): Processor {
  const runJob = async (job: Job): Promise<unknown> => {
    const handler = handlerOf(handlers, job.name);
    if (!handler || jobCatalog[job.name as JobName].queue !== queue)
      throw new UnrecoverableError(`unknown job ${job.name} on the ${queue} queue`);
    try {
      return await handler.run(parsePayload(job.name as JobName, job.data), job);
    } catch (err) {
      if (err instanceof CanaryError) throw new UnrecoverableError(err.message);
      throw err;
    }
  };
  return around ? (job, token) => around(job, token, () => runJob(job)) : runJob;
}

/** The handler of a job by its name, typed loosely: the map's own type keeps names and payloads in step. */
export function handlerOf(handlers: Partial<JobHandlers>, name: string): Handler<JobName> | undefined {
  if (!Object.hasOwn(jobCatalog, name)) return undefined;
  return handlers[name as JobName] as Handler<JobName> | undefined;
}
