import type { Queue } from 'bullmq';
import type { Config } from '../config.ts';
import { jobCatalog } from '../queue/jobs.ts';

export const DIGEST_SCHEDULER_ID = 'daily-digest';

/**
 * One job scheduler for the digest, whatever the number of processes calling this: upsert replaces the
 * schedule in place (a changed cron takes effect), and BullMQ makes exactly one job per due instant, so N
 * workers post one digest per tick.
 */
export async function scheduleDigest(queue: Queue, digest: Config['digest']): Promise<void> {
  const { removeOnComplete, removeOnFail, attempts, backoff } = jobCatalog['digest.tick'].options;
  await queue.upsertJobScheduler(
    DIGEST_SCHEDULER_ID,
    { pattern: digest.cron, tz: digest.tz },
    { name: 'digest.tick', data: {}, opts: { removeOnComplete, removeOnFail, attempts, backoff } },
  );
}

export async function unscheduleDigest(queue: Queue): Promise<void> {
  await queue.removeJobScheduler(DIGEST_SCHEDULER_ID);
}
