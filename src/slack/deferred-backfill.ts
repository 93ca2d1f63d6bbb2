import type { Logger } from '../logger.ts';
import type { EvaluationScheduler } from '../services/ports.ts';

type BackfillRequest = Parameters<EvaluationScheduler['backfillRevision']>[0];

export interface DeferredBackfills {
  /** Hand this to a service: back-fills it asks for are only noted, everything else goes straight through. */
  scheduler: EvaluationScheduler;
  /** Queues the noted back-fills on the real scheduler; the number that could not be queued (each is logged). */
  flush(log: Logger): Promise<number>;
}

/**
 * Lets a listener commit a pattern before ack but queue its back-fill after: the back-fill plans an evaluation
 * per model and enqueues each in Redis, which with several models does not fit in Slack's 3 seconds.
 * A back-fill lost to a crash between the two is picked up by the model's next evaluation (only missing
 * results are run), as is one the queue refuses.
 */
export function deferBackfills(real: EvaluationScheduler): DeferredBackfills {
  const noted: BackfillRequest[] = [];
  return {
    scheduler: {
      evaluateModel: (input) => real.evaluateModel(input),
      async backfillRevision(input) {
        noted.push(input);
        return { evaluationIds: [] };
      },
    },
    async flush(log) {
      let failed = 0;
      for (const input of noted.splice(0)) {
        try {
          await real.backfillRevision(input);
        } catch (err) {
          log.error({ err, patternRevisionId: input.patternRevisionId }, 'back-fill could not be queued');
          failed += 1;
        }
      }
      return failed;
    },
  };
}
