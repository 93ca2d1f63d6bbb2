import type { EvaluationTrigger } from '../core/types.ts';

/**
 * What services need from the queue, as an interface: services stay testable without Redis,
 * and src/queue/ implements it with BullMQ.
 */
export interface EvaluationScheduler {
  /**
   * Create an evaluation row for the model and enqueue it. With onlyMissing (the default) only pattern
   * revisions without a result for this model are run, so re-runs are cheap.
   */
  evaluateModel(input: {
    modelId: number;
    trigger: EvaluationTrigger;
    requestedBy?: string | null;
    onlyMissing?: boolean;
    problemId?: number;
    slack?: { channel: string; threadTs?: string | null };
  }): Promise<{ evaluationId: number }>;
  /** Back-fill one pattern revision on every non-retired model: one evaluation per model. */
  backfillRevision(input: {
    patternRevisionId: number;
    requestedBy?: string | null;
    slack?: { channel: string; threadTs?: string | null };
  }): Promise<{ evaluationIds: number[] }>;
  /**
   * Back-fill every revision of a bulk add (pattern_adds) on every non-retired model: one evaluation per model for
   * the whole add, and one notification that answers it per problem thread.
   */
  backfillAdd(input: { addId: number; requestedBy?: string | null }): Promise<{ evaluationIds: number[] }>;
}

/** An observation as Canary shows it in Slack: what it posts so people can rate it with 👍/👎. */
export interface ObservationCard {
  observationId: number;
  model: string;
  input: unknown;
  output: unknown;
  channel: string;
  threadTs: string | null;
}

/** Posts observation cards; implemented over the paced Slack poster, absent when Slack is not configured. */
export interface ObservationCardPoster {
  post(card: ObservationCard): Promise<{ channel: string; ts: string }>;
}
