import type { Db } from '../../db/client.ts';
import {
  type EvaluationRow,
  failEvaluationRow,
  getEvaluationRow,
  setEvaluationError,
  unfinishedEvaluationsOlderThan,
} from '../../db/queries/evaluations.ts';
import type { Logger } from '../../logger.ts';
import type { EvaluationQueue, EvaluationScheduler } from '../ports.ts';
import { announceFinished } from './announce.ts';
import type { EvaluationEvents } from './events.ts';

/** States in which BullMQ will still run the parent (or is running it): the evaluation is alive. */
const LIVE = new Set(['waiting', 'active', 'delayed', 'waiting-children', 'prioritized', 'paused']);

export interface WatchdogDeps {
  db: Db;
  queue: EvaluationQueue;
  scheduler: EvaluationScheduler;
  log: Logger;
  /** CANARY_WATCHDOG_AFTER_MS: how long an evaluation may sit queued/running with no live job. */
  afterMs: number;
  events?: EvaluationEvents | undefined;
  now?: () => Date;
}

export interface SweepOutcome {
  /** Stranded evaluation id → the evaluation that replaces it (null when it could not be re-queued). */
  replaced: Map<number, number | null>;
}

/**
 * Finds evaluations `queued` or `running` for longer than afterMs whose parent job is not alive in Redis (flushed,
 * restored from another time, or swallowed by an old job of the same id), fails each with a reason a person can act
 * on and queues a replacement that runs only what is still missing. Run from every worker process: failing the row
 * is conditional, so only one process replaces a given evaluation.
 */
export function createWatchdog(deps: WatchdogDeps) {
  const now = deps.now ?? (() => new Date());
  const log = deps.log.child({ module: 'watchdog' });

  const stateOf = (row: EvaluationRow) => deps.queue.runJobState(row);

  async function requeue(row: EvaluationRow): Promise<number | null> {
    const requestedBy = row.requestedBy;
    if (row.patternAddId !== null) {
      const { evaluationIds } = await deps.scheduler.backfillAdd({ addId: row.patternAddId, requestedBy });
      return evaluationIds.find((id) => id !== row.id) ?? null;
    }
    if (row.patternRevisionId !== null) {
      const { evaluationIds } = await deps.scheduler.backfillRevision({
        patternRevisionId: row.patternRevisionId,
        requestedBy,
      });
      return evaluationIds.find((id) => id !== row.id) ?? null;
    }
    const slack = row.slackChannel ? { channel: row.slackChannel, threadTs: row.slackThreadTs } : undefined;
    const { evaluationId } = await deps.scheduler.evaluateModel({
      modelId: row.modelId,
      trigger: row.trigger,
      requestedBy,
      onlyMissing: true,
      ...(slack ? { slack } : {}),
    });
    return evaluationId;
  }

  async function sweep(): Promise<SweepOutcome> {
    const cutoff = new Date(now().getTime() - deps.afterMs);
    const candidates = await unfinishedEvaluationsOlderThan(deps.db, cutoff, 500);
    const replaced = new Map<number, number | null>();
    for (const row of candidates) {
      const { jobId, state } = await stateOf(row);
      if (LIVE.has(state)) continue;
      const minutes = Math.max(1, Math.round(deps.afterMs / 60_000));
      const why =
        state === 'missing'
          ? `its queue job ${jobId} is not in Redis (flushed, or restored from another time)`
          : `its queue job ${jobId} is ${state} but the evaluation never finished`;
      const failed = await failEvaluationRow(deps.db, row.id, {
        error: `stranded: ${row.status} for over ${minutes} min and ${why}; re-queued by the watchdog`,
        now: now(),
      });
      if (!failed) continue; // finished meanwhile, or another process got there first
      let next: number | null = null;
      try {
        next = await requeue(failed);
        if (next !== null) await setError(failed.id, `${failed.error} as evaluation #${next}`);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        await setError(
          failed.id,
          `stranded: ${row.status} for over ${minutes} min and ${why}; re-queueing failed (${reason}): ` +
            'run `canary gate --model <name@version> --wait` or POST /api/v1/models/<name>/<version>/evaluate',
        );
        log.error({ evaluationId: row.id, err }, 'stranded evaluation could not be re-queued');
      }
      replaced.set(row.id, next);
      log.warn({ evaluationId: row.id, jobId, state, replacement: next }, 'stranded evaluation replaced');
      const latest = await getEvaluationRow(deps.db, row.id);
      if (latest) {
        await announceFinished({ db: deps.db, queue: deps.queue, events: deps.events }, latest).catch((err) =>
          log.warn({ err, evaluationId: row.id }, 'stranded evaluation: finished notice could not be queued'),
        );
      }
    }
    return { replaced };
  }

  const setError = (id: number, error: string) => setEvaluationError(deps.db, id, error);

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  return {
    sweep,
    /** Sweeps every intervalMs until stop(); a sweep still running is not started twice. */
    start(intervalMs: number) {
      timer ??= setInterval(() => {
        running ??= sweep()
          .catch((err) => log.warn({ err }, 'watchdog sweep failed'))
          .finally(() => {
            running = undefined;
          });
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
