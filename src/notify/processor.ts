import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { parsePayload, QUEUE_NAMES } from '../queue/jobs.ts';
import { postDigest } from '../services/digest.ts';
import { ChannelBusy, deferrable } from '../slack/pacing.ts';
import { announceBackfill } from './backfill.ts';
import { announceAddBackfill, refreshCardsOfAdd } from './bulk-add.ts';
import type { NotifyDeps, PostingDeps } from './deps.ts';
import { announceFinished, type FinishedOutcome, notifyProgress, recordFinished } from './evaluation.ts';
import { markNotified } from './queries.ts';
import { createKeyedSerializer } from './serial.ts';

/**
 * The notify queue's processor (`startWorkers({ notifyProcessor })`): one switch on the job name. Every path
 * goes through the slack_messages ledger or the digests table, so a retried or duplicated job posts nothing twice.
 */
export function createNotifyProcessor(deps: NotifyDeps): (job: Job) => Promise<void> {
  const log = deps.log.child({ module: 'notify' });
  const serial = createKeyedSerializer();
  const finished = createRecentCache<FinishedOutcome>(200);
  let warnedNoSlack = false;
  const posting = (): PostingDeps | null => {
    if (deps.slack) return { ...deps, log, slack: deps.slack };
    if (!warnedNoSlack) {
      warnedNoSlack = true;
      log.info('Slack is not configured (no bot token): notifications are recorded, not posted');
    }
    return null;
  };

  /**
   * Run by a worker (with a lock token), a job whose channel is busy is moved to `delayed` until its reserved
   * turn instead of sleeping in its worker slot, so one rate-limited channel never holds up another. Called
   * without a token (tests, one-off runs) it waits in line instead. So does the digest: run again, it would find
   * its tick posted and never share the chart that follows the message; it is one job a day.
   */
  return async function processNotifyJob(job: Job, token?: string): Promise<void> {
    if (token === undefined || job.id === undefined || job.name === 'digest.tick') return run(job);
    try {
      await deferrable(job.id, job.timestamp, () => run(job));
    } catch (err) {
      if (!(err instanceof ChannelBusy)) throw err;
      log.debug(
        { jobId: job.id, channel: err.channel, until: err.until },
        'channel busy; job waits its turn',
      );
      await job.moveToDelayed(err.until, token);
      throw new DelayedError();
    }
  };

  async function run(job: Job): Promise<void> {
    switch (job.name) {
      case 'notify.evaluation-started':
      case 'notify.evaluation-progress': {
        const { evaluationId } = parsePayload(job.name, job.data);
        const p = posting();
        if (!p) return;
        await serial(`eval:${evaluationId}`, () => notifyProgress(p, evaluationId));
        return;
      }
      case 'notify.evaluation-finished': {
        const { evaluationId } = parsePayload(job.name, job.data);
        await serial(`eval:${evaluationId}`, async () => {
          // Gathered once per process: a job that waits for a busy channel runs again, and the results do not change.
          const outcome = await finished.get(evaluationId, () =>
            recordFinished({ ...deps, log }, evaluationId),
          );
          const p = posting();
          if (!outcome.evaluation) return;
          if (!p) {
            await markNotified(deps.db, evaluationId, deps.now());
            return;
          }
          await announceFinished(p, outcome);
          const revisionId = outcome.evaluation.patternRevisionId;
          if (revisionId !== null)
            await serial(`backfill:${revisionId}`, () => announceBackfill(p, revisionId));
        });
        return;
      }
      case 'notify.pattern-backfilled': {
        const { patternRevisionId } = parsePayload(job.name, job.data);
        const p = posting();
        if (!p) return;
        await serial(`backfill:${patternRevisionId}`, () => announceBackfill(p, patternRevisionId));
        return;
      }
      case 'notify.patterns-added': {
        const { addId } = parsePayload(job.name, job.data);
        const p = posting();
        if (!p) return;
        await serial(`add:${addId}`, () => refreshCardsOfAdd(p, addId));
        return;
      }
      case 'notify.add-backfilled': {
        const { addId } = parsePayload(job.name, job.data);
        const p = posting();
        if (!p) return;
        await serial(`add:${addId}`, () => announceAddBackfill(p, addId));
        return;
      }
      case 'digest.tick': {
        const payload = parsePayload(job.name, job.data);
        const tick = payload.tick ?? tickOf(job);
        const p = posting();
        if (!p) return;
        if (!deps.digestChannel) {
          log.info({ tick }, 'no digest channel configured (CANARY_DIGEST_CHANNEL); digest skipped');
          return;
        }
        await postDigest({ deps: { ...deps, log }, slack: p.slack, channel: deps.digestChannel, tick });
        return;
      }
      default:
        throw new UnrecoverableError(`unknown job ${job.name} on the ${QUEUE_NAMES.notify} queue`);
    }
  }
}

/**
 * A scheduler-made job carries the instant it was due (`prevMillis`); the tick is that minute in UTC, the same
 * for every worker, whoever runs it.
 */
export function tickOf(job: Pick<Job, 'opts' | 'timestamp' | 'delay'>): string {
  const due = new Date((job.opts as { prevMillis?: number }).prevMillis ?? job.timestamp + (job.delay ?? 0));
  const iso = due.toISOString();
  // Cron ticks fall on whole minutes; a seconds field (used in tests) keeps its seconds.
  return due.getUTCSeconds() === 0 ? `${iso.slice(0, 16)}Z` : `${iso.slice(0, 19)}Z`;
}

/** The last few values by id, computed once; a failed computation is not kept. */
function createRecentCache<T>(max: number) {
  const values = new Map<number, Promise<T>>();
  return {
    get(id: number, make: () => Promise<T>): Promise<T> {
      const hit = values.get(id);
      if (hit) return hit;
      const made = make();
      values.set(id, made);
      made.catch(() => values.delete(id));
      if (values.size > max) values.delete(values.keys().next().value as number);
      return made;
    },
  };
}
