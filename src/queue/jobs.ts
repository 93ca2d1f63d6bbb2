import { type JobsOptions, type Queue, UnrecoverableError } from 'bullmq';
import { z } from 'zod';

/**
 * The job catalog: the contract between producers and workers. Each job has a queue, a zod payload
 * (ids only: never rows, never secrets), default options, and a deterministic jobId so a repeated
 * request collapses onto the job already there. BullMQ rejects custom ids containing ':' (its key
 * separator) and ids that look like integers, so ids are words joined by '-'.
 */

export const QUEUE_NAMES = { evaluations: 'evaluations', notify: 'notify' } as const;
type QueueName = keyof typeof QUEUE_NAMES;

const id = z.number().int().positive();
/**
 * The evaluation's (or bulk add's) random job_key, folded into its job ids: database ids repeat after a restored
 * backup, a reset database or a second install on one Redis, and BullMQ silently drops an add whose id is taken.
 * Optional only so jobs queued before it existed still parse.
 */
const jobKey = z
  .string()
  .regex(/^[A-Za-z0-9]{1,32}$/)
  .optional();
const evaluationRef = z.object({ evaluationId: id, jobKey }).strict();
const keyed = (base: string, key: string | undefined) => (key === undefined ? base : `${base}-${key}`);

const DAY_S = 24 * 3600;
/** Kept long enough that a duplicate request in the meantime still collapses onto it. */
const keepCompleted = { age: DAY_S, count: 10_000 };
const keepFailed = { age: 7 * DAY_S };

export const jobCatalog = {
  /** Parent of an evaluation's batches: runs once every batch is done (or has given up). */
  'evaluation.run': {
    queue: 'evaluations',
    schema: evaluationRef,
    options: {
      // 2 s doubling over 8 attempts: about four minutes of database or Redis outage before it gives up.
      attempts: 8,
      backoff: { type: 'exponential', delay: 2_000 },
      removeOnComplete: keepCompleted,
      removeOnFail: keepFailed,
    },
    jobId: (p: { evaluationId: number; jobKey?: string | undefined }) =>
      keyed(`eval-${p.evaluationId}`, p.jobKey),
  },
  /** One chunk of pattern revisions × runs for one model. */
  'evaluation.batch': {
    queue: 'evaluations',
    schema: z
      .object({
        evaluationId: id,
        jobKey,
        modelId: id,
        batch: z.number().int().nonnegative(),
        revisionIds: z.array(id).min(1),
        runs: z.number().int().min(1).max(100),
      })
      .strict(),
    options: {
      // 1 s doubling over 8 attempts rides out a two-minute outage; the scheduler applies CANARY_BATCH_ATTEMPTS.
      attempts: 8,
      backoff: { type: 'exponential', delay: 1_000 },
      // A batch that gives up must not wedge its evaluation: the parent still runs and records the gap.
      ignoreDependencyOnFailure: true,
      removeOnComplete: keepCompleted,
      removeOnFail: keepFailed,
    },
    jobId: (p: { evaluationId: number; jobKey?: string | undefined; batch: number }) =>
      `${keyed(`eval-${p.evaluationId}`, p.jobKey)}-batch-${p.batch}`,
  },
  'notify.evaluation-started': {
    queue: 'notify',
    schema: evaluationRef,
    options: notifyOptions(),
    jobId: (p: { evaluationId: number; jobKey?: string | undefined }) =>
      keyed(`notify-started-${p.evaluationId}`, p.jobKey),
  },
  /** No jobId: progress is throttled with deduplication instead (see progressDeduplication). */
  'notify.evaluation-progress': {
    queue: 'notify',
    schema: evaluationRef,
    options: { ...notifyOptions(), attempts: 2, removeOnComplete: true, removeOnFail: { age: DAY_S } },
    jobId: undefined,
  },
  'notify.evaluation-finished': {
    queue: 'notify',
    schema: evaluationRef,
    options: notifyOptions(),
    jobId: (p: { evaluationId: number; jobKey?: string | undefined }) =>
      keyed(`notify-finished-${p.evaluationId}`, p.jobKey),
  },
  /** Sent once every back-fill evaluation of the revision has finished. */
  'notify.pattern-backfilled': {
    queue: 'notify',
    schema: z.object({ patternRevisionId: id }).strict(),
    options: notifyOptions(),
    jobId: (p: { patternRevisionId: number }) => `notify-backfilled-${p.patternRevisionId}`,
  },
  /** A bulk add was committed: refresh its problems' cards (their counts). */
  'notify.patterns-added': {
    queue: 'notify',
    schema: z.object({ addId: id, jobKey }).strict(),
    options: notifyOptions(),
    jobId: (p: { addId: number; jobKey?: string | undefined }) => keyed(`notify-added-${p.addId}`, p.jobKey),
  },
  /** One of a bulk add's back-fill evaluations finished: its one message per problem thread is posted or edited. */
  'notify.add-backfilled': {
    queue: 'notify',
    schema: z.object({ addId: id, jobKey, evaluationId: id }).strict(),
    options: notifyOptions(),
    jobId: (p: { addId: number; jobKey?: string | undefined; evaluationId: number }) =>
      `${keyed(`notify-add-${p.addId}`, p.jobKey)}-eval-${p.evaluationId}`,
  },
  /** Repeated by a job scheduler; `tick` (e.g. 2026-11-26T09:00Z) names the digest so N workers post one. */
  'digest.tick': {
    queue: 'notify',
    schema: z.object({ tick: z.string().min(1).max(64).optional() }).strict(),
    options: notifyOptions(),
    jobId: (p: { tick?: string | undefined }) =>
      p.tick === undefined ? undefined : `digest-${p.tick.replace(/[^A-Za-z0-9_.-]/g, '-')}`,
  },
  /** Repeated by a job scheduler: removes untriaged observations past CANARY_OBSERVATION_RETENTION_DAYS. */
  'observations.prune': {
    queue: 'notify',
    schema: z.object({}).strict(),
    options: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 60_000 },
      removeOnComplete: true,
      removeOnFail: keepFailed,
    },
    // A manual run collapses onto one waiting prune; scheduled runs get the scheduler's own ids.
    jobId: () => 'observations-prune',
  },
} as const satisfies Record<string, JobDefinition>;

interface JobDefinition {
  queue: QueueName;
  schema: z.ZodType;
  options: JobsOptions;
  jobId: ((payload: never) => string | undefined) | undefined;
}

function notifyOptions() {
  return {
    attempts: 5,
    backoff: { type: 'exponential', delay: 5_000 },
    removeOnComplete: keepCompleted,
    removeOnFail: keepFailed,
  } as const;
}

export type JobName = keyof typeof jobCatalog;
export type JobPayload<N extends JobName> = z.infer<(typeof jobCatalog)[N]['schema']>;
export const JOB_NAMES = Object.keys(jobCatalog) as JobName[];

/** The deterministic id for a payload, or undefined for jobs that are deduplicated another way. */
export function jobIdFor<N extends JobName>(name: N, payload: JobPayload<N>): string | undefined {
  const make = jobCatalog[name].jobId as ((p: JobPayload<N>) => string | undefined) | undefined;
  return make?.(payload);
}

/** Default options plus the deterministic jobId: what producers hand to BullMQ. */
export function jobOptionsFor<N extends JobName>(name: N, payload: JobPayload<N>): JobsOptions {
  const jobId = jobIdFor(name, payload);
  return { ...jobCatalog[name].options, ...(jobId === undefined ? {} : { jobId }) };
}

/** Validates before anything reaches Redis: a bad payload is a programming error at the producer. */
export function validatePayload<N extends JobName>(name: N, payload: unknown): JobPayload<N> {
  const parsed = jobCatalog[name].schema.safeParse(payload);
  if (!parsed.success) {
    throw new TypeError(`Invalid payload for job ${name}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  return parsed.data as JobPayload<N>;
}

/**
 * For processors: a payload that does not parse will never parse, so retrying is pointless.
 * UnrecoverableError is the error BullMQ recognises to fail a job without further attempts.
 */
export function parsePayload<N extends JobName>(name: N, data: unknown): JobPayload<N> {
  const parsed = jobCatalog[name].schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new UnrecoverableError(`Invalid payload for job ${name}${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data as JobPayload<N>;
}

/** Progress notifications collapse per evaluation within this window; the finished one always goes out. */
const PROGRESS_NOTIFY_TTL_MS = 5_000;

export function progressDeduplication(evaluationId: number, jobKey?: string) {
  return { id: keyed(`notify-progress-${evaluationId}`, jobKey), ttl: PROGRESS_NOTIFY_TTL_MS };
}

export interface QueueSet {
  evaluations: Queue;
  notify: Queue;
}

/** Adds a catalogued job to its own queue with its default options and deterministic id. */
export async function addJob<N extends JobName>(
  queues: QueueSet,
  name: N,
  payload: JobPayload<N>,
  overrides: JobsOptions = {},
): Promise<{ jobId: string | undefined }> {
  const data = validatePayload(name, payload);
  const queue = queues[jobCatalog[name].queue];
  const job = await queue.add(name, data, { ...jobOptionsFor(name, data), ...overrides });
  return { jobId: job.id };
}
