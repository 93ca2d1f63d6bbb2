import type { Queue } from 'bullmq';
import type { ServiceDeps } from '../services/deps.ts';
import { pruneObservations } from '../services/observations.ts';
import type { Handler } from './handlers.ts';
import { jobCatalog } from './jobs.ts';

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

/** The prune job: a plain delete of untriaged observations past the retention, none of the notify machinery. */
export function pruneHandler(
  deps: Pick<ServiceDeps, 'db' | 'log' | 'now'>,
  retentionDays: number,
): Handler<'observations.prune'> {
  return { run: () => pruneObservations(deps, retentionDays) };
}
