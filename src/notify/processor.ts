import { DelayedError, type Job, type Processor } from 'bullmq';
import { markNotified } from '../db/queries/notifications.ts';
import {
  type Around,
  type Handlers,
  type NotifyJobs,
  processorFor,
  type SlackJobName,
} from '../queue/handlers.ts';
import { ChannelBusy, deferrable } from '../slack/web-api/pacing.ts';
import { announceBackfill } from './backfill.ts';
import { announceAddBackfill, refreshCardsOfAdd } from './bulk-add.ts';
import type { NotifyDeps, PostingDeps } from './deps.ts';
import { postDigest } from './digest.ts';
import { announceFinished, type FinishedOutcome, notifyProgress, recordFinished } from './evaluation.ts';
import { createKeyedSerializer } from './serial.ts';

/** The notify queue's processor on its own (tests, one-off runs): the handlers below behind processorFor. */
export function createNotifyProcessor(deps: NotifyDeps): Processor {
  const { handlers, around } = createNotifyJobs(deps);
  return processorFor('notify', handlers, around);
}

/**
 * The notify queue's handlers (`startWorkers({ notify })`), one per Slack job of the catalog. Every path goes
 * through the slack_messages ledger or the digests table, so a retried or duplicated job posts nothing twice.
 */
export function createNotifyJobs(deps: NotifyDeps): NotifyJobs & { around: Around } {
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
  const around: Around = async (job, token, run) => {
    if (token === undefined || job.id === undefined || job.name === 'digest.tick') return run();
    try {
      return await deferrable(job.id, job.timestamp, run);
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

  const progress = async ({ evaluationId }: { evaluationId: number }) => {
    const p = posting();
    if (!p) return;
    await serial(`eval:${evaluationId}`, () => notifyProgress(p, evaluationId));
  };
  const handlers: Handlers<SlackJobName> = {
    'notify.evaluation-started': { run: progress },
    'notify.evaluation-progress': { run: progress },
    'notify.evaluation-finished': {
      async run({ evaluationId }) {
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
      },
    },
    'notify.pattern-backfilled': {
      async run({ patternRevisionId }) {
        const p = posting();
        if (!p) return;
        await serial(`backfill:${patternRevisionId}`, () => announceBackfill(p, patternRevisionId));
      },
    },
    'notify.patterns-added': {
      async run({ addId }) {
        const p = posting();
        if (!p) return;
        await serial(`add:${addId}`, () => refreshCardsOfAdd(p, addId));
      },
    },
    'notify.add-backfilled': {
      async run({ addId }) {
        const p = posting();
        if (!p) return;
        await serial(`add:${addId}`, () => announceAddBackfill(p, addId));
      },
    },
    'digest.tick': {
      async run(payload, job) {
        const tick = payload.tick ?? tickOf(job);
        const p = posting();
        if (!p) return;
        if (!deps.digestChannel) {
          log.info({ tick }, 'no digest channel configured (CANARY_DIGEST_CHANNEL); digest skipped');
          return;
        }
        await postDigest({ deps: { ...deps, log }, slack: p.slack, channel: deps.digestChannel, tick });
      },
    },
  };
  return { handlers, around };
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
