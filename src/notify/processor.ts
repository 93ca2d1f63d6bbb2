import { type Job, UnrecoverableError } from 'bullmq';
import { parsePayload, QUEUE_NAMES } from '../queue/jobs.ts';
import { postDigest } from '../services/digest.ts';
import { announceBackfill } from './backfill.ts';
import { announceAddBackfill, refreshCardsOfAdd } from './bulk-add.ts';
import type { NotifyDeps, PostingDeps } from './deps.ts';
import { announceFinished, notifyProgress, recordFinished } from './evaluation.ts';
import { markNotified } from './queries.ts';
import { createKeyedSerializer } from './serial.ts';

/**
 * The notify queue's processor (`startWorkers({ notifyProcessor })`): one switch on the job name. Every path
 * goes through the slack_messages ledger or the digests table, so a retried or duplicated job posts nothing twice.
 */
export function createNotifyProcessor(deps: NotifyDeps): (job: Job) => Promise<void> {
  const log = deps.log.child({ module: 'notify' });
  const serial = createKeyedSerializer();
  let warnedNoSlack = false;
  const posting = (): PostingDeps | null => {
    if (deps.slack) return { ...deps, log, slack: deps.slack };
    if (!warnedNoSlack) {
      warnedNoSlack = true;
      log.info('Slack is not configured (no bot token): notifications are recorded, not posted');
    }
    return null;
  };

  return async function processNotifyJob(job: Job): Promise<void> {
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
          const outcome = await recordFinished({ ...deps, log }, evaluationId);
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
  };
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
