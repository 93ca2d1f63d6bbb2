import type { EvaluationTrigger } from '../core/outcome.ts';

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

/** An evaluation's reference in its job ids (see evaluations.job_key). */
export interface EvaluationRef {
  evaluationId: number;
  jobKey?: string | undefined;
}

/** The notices the evaluation lifecycle sends to Slack (the notify jobs of src/queue/jobs.ts), by name. */
export interface Notices {
  'notify.evaluation-started': EvaluationRef;
  'notify.evaluation-progress': EvaluationRef;
  'notify.evaluation-finished': EvaluationRef;
  'notify.pattern-backfilled': { patternRevisionId: number };
  'notify.patterns-added': { addId: number; jobKey?: string | undefined };
  'notify.add-backfilled': { addId: number; jobKey?: string | undefined; evaluationId: number };
}

/**
 * What the evaluation lifecycle (src/services/evaluation/) needs from the queue: src/queue/transport.ts implements
 * it with BullMQ, so planning, finishing and failing evaluations read as use cases and are tested as such.
 */
export interface EvaluationQueue {
  /**
   * Adds an evaluation's run job with one batch job per chunk of revisions; a no-op when its run job exists
   * (the request has already been queued).
   */
  enqueueEvaluation(
    evaluationId: number,
    modelId: number,
    revisionIds: readonly number[],
    runs: number,
    jobKey?: string,
  ): Promise<void>;
  /** The evaluation's run job: its id, and its state ('waiting', 'active', 'delayed', 'failed', …) or 'missing'. */
  runJobState(evaluation: { id: number; jobKey: string }): Promise<{ jobId: string; state: string }>;
  /** Queues a notice; its job id (or, for progress, a short deduplication window) collapses repeats. */
  notify<N extends keyof Notices>(name: N, payload: Notices[N]): Promise<void>;
}
