import type { Job, Processor, Queue } from 'bullmq';
import type { ServiceDeps } from '../services/deps.ts';
import { pruneObservations } from '../services/observations.ts';
import { jobCatalog, parsePayload } from './jobs.ts';

export const RETENTION_SCHEDULER_ID = 'observation-retention';
const EVERY_MS = 60 * 60 * 1000;

/**
 * One hourly job scheduler, whatever the number of processes calling this (upsert replaces it in place);
 * with retention off (0 days) the scheduler is removed, so turning it off takes effect too.
 */
export async function scheduleObservationRetention(queue: Queue, retentionDays: number): Promise<void> {
  if (retentionDays <= 0) {
    await queue.removeJobScheduler(RETENTION_SCHEDULER_ID);
    return;
  }
  const { removeOnComplete, removeOnFail, attempts, backoff } = jobCatalog['observations.prune'].options;
  await queue.upsertJobScheduler(
    RETENTION_SCHEDULER_ID,
    { every: EVERY_MS },
    { name: 'observations.prune', data: {}, opts: { removeOnComplete, removeOnFail, attempts, backoff } },
  );
}

/**
 * The notify queue's processor with the retention job in front: the prune is a plain delete, so it needs
 * none of the notify machinery, and notify/ stays about Slack.
 */
export function withObservationRetention(
  next: Processor,
  deps: ServiceDeps,
  retentionDays: number,
): Processor {
  return async (job: Job, token?: string) => {
    if (job.name !== 'observations.prune') return next(job, token);
    parsePayload('observations.prune', job.data);
    await pruneObservations(deps, retentionDays);
  };
}
