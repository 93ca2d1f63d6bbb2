import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgSequence,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

export const problemStatus = pgEnum('problem_status', ['open', 'monitoring', 'resolved', 'wont_fix']);
export const severity = pgEnum('severity', ['low', 'medium', 'high', 'critical']);
export const polarity = pgEnum('polarity', ['positive', 'negative']);
export const patternSource = pgEnum('pattern_source', ['production', 'contrived', 'import']);
export const modelStatus = pgEnum('model_status', ['candidate', 'production', 'retired']);
export const evaluationTrigger = pgEnum('evaluation_trigger', ['register', 'backfill', 'manual', 'ci']);
export const evaluationStatus = pgEnum('evaluation_status', ['queued', 'running', 'done', 'failed']);
export const resultStatus = pgEnum('result_status', ['passed', 'failed', 'errored']);

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
};

/** Human keys (P-1, P-2, …) come from their own sequence so a key is never reused. */
export const problemKeySeq = pgSequence('problem_key_seq', { startWith: 1 });

export const problems = pgTable(
  'problems',
  {
    id: serial('id').primaryKey(),
    key: text('key').notNull().default(sql`'P-' || nextval('problem_key_seq')`),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    status: problemStatus('status').notNull().default('open'),
    severity: severity('severity').notNull().default('medium'),
    /** Minimum pass rate in [0, 1]; null means the problem is tracked but not gated. */
    threshold: doublePrecision('threshold'),
    ownerId: text('owner_id'),
    creatorId: text('creator_id'),
    homeChannel: text('home_channel'),
    homeTs: text('home_ts'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('problems_key_uq').on(t.key),
    index('problems_status_idx').on(t.status),
    // Two open problems with one title split the patterns between them: the database refuses the second, so a race cannot either.
    uniqueIndex('problems_open_title_uq')
      .on(sql`lower(${t.title})`)
      .where(sql`${t.status} in ('open', 'monitoring')`),
  ],
);

/** Stable identity of a pattern; what is evaluated lives in pattern_revisions. */
export const patterns = pgTable(
  'patterns',
  {
    id: serial('id').primaryKey(),
    problemId: integer('problem_id')
      .notNull()
      .references(() => problems.id, { onDelete: 'cascade' }),
    polarity: polarity('polarity').notNull().default('positive'),
    source: patternSource('source').notNull().default('contrived'),
    sourceChannel: text('source_channel'),
    sourceTs: text('source_ts'),
    sourcePermalink: text('source_permalink'),
    /** sha256 of the canonical (input, expectation) of the first revision: makes imports idempotent. */
    fingerprint: text('fingerprint').notNull(),
    creatorId: text('creator_id'),
    notes: text('notes').notNull().default(''),
    active: boolean('active').notNull().default(true),
    /** Provenance of a suggested related case: the pattern it was made from… */
    derivedFromPatternId: integer('derived_from_pattern_id').references((): AnyPgColumn => patterns.id, {
      onDelete: 'set null',
    }),
    /** …and by which perturbation (e.g. `typo:swap`, `negation:add`). */
    perturbation: text('perturbation'),
    /** Who switched it off and when (null while active); the full history is in control_events. */
    deactivatedAt: timestamp('deactivated_at', { withTimezone: true }),
    deactivatedBy: text('deactivated_by'),
    ...timestamps,
  },
  (t) => [
    index('patterns_problem_idx').on(t.problemId),
    uniqueIndex('patterns_source_uq').on(t.sourceChannel, t.sourceTs),
    uniqueIndex('patterns_fingerprint_uq').on(t.problemId, t.fingerprint),
  ],
);

/** Editing a pattern appends a revision; results point at the exact revision evaluated. */
export const patternRevisions = pgTable(
  'pattern_revisions',
  {
    id: serial('id').primaryKey(),
    patternId: integer('pattern_id')
      .notNull()
      .references(() => patterns.id, { onDelete: 'cascade' }),
    revision: integer('revision').notNull(),
    input: jsonb('input').notNull(),
    expectation: jsonb('expectation').notNull(),
    createdBy: text('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** The bulk add (pattern_adds) this revision arrived with; its back-fill covers the whole add at once. */
    addId: integer('add_id'),
  },
  (t) => [
    uniqueIndex('pattern_revisions_uq').on(t.patternId, t.revision),
    index('pattern_revisions_add_idx').on(t.addId),
  ],
);

export const models = pgTable(
  'models',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    version: text('version').notNull(),
    adapter: text('adapter').notNull(),
    url: text('url').notNull(),
    /** Adapter options. Secrets appear only as the NAME of an environment variable. */
    endpointOptions: jsonb('endpoint_options').notNull().default({}),
    metrics: jsonb('metrics').$type<Record<string, number>>().notNull().default({}),
    status: modelStatus('status').notNull().default('candidate'),
    repeats: integer('repeats').notNull().default(1),
    /** candidate: evaluated on problems; grader / embedder: serve judge and similar checks, never evaluated unless asked. */
    role: text('role').$type<'candidate' | 'grader' | 'embedder'>().notNull().default('candidate'),
    registeredBy: text('registered_by'),
    slackChannel: text('slack_channel'),
    slackTs: text('slack_ts'),
    registeredAt: timestamp('registered_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    /** Set with status 'retired' in the same update, cleared on restore: who retired it and when. */
    retiredAt: timestamp('retired_at', { withTimezone: true }),
    retiredBy: text('retired_by'),
  },
  (t) => [
    uniqueIndex('models_name_version_uq').on(t.name, t.version),
    index('models_status_idx').on(t.status),
  ],
);

export const evaluations = pgTable(
  'evaluations',
  {
    id: serial('id').primaryKey(),
    modelId: integer('model_id')
      .notNull()
      .references(() => models.id, { onDelete: 'cascade' }),
    trigger: evaluationTrigger('trigger').notNull(),
    status: evaluationStatus('status').notNull().default('queued'),
    /** Set for a back-fill of one pattern revision. */
    patternRevisionId: integer('pattern_revision_id').references(() => patternRevisions.id, {
      onDelete: 'set null',
    }),
    total: integer('total').notNull().default(0),
    doneCount: integer('done_count').notNull().default(0),
    passed: integer('passed').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    errored: integer('errored').notNull().default(0),
    /** Per-problem metrics computed when the run finishes. */
    summary: jsonb('summary'),
    error: text('error'),
    requestedBy: text('requested_by'),
    slackChannel: text('slack_channel'),
    slackThreadTs: text('slack_thread_ts'),
    notifiedAt: timestamp('notified_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** Set for the back-fill of a bulk add (pattern_adds): every revision of that add, in one evaluation. */
    patternAddId: integer('pattern_add_id'),
    /**
     * Random per row, folded into its job ids: evaluation ids repeat after a restored backup, a reset database or
     * a second install on the same Redis, and an old completed job with the same id would swallow the new one.
     */
    jobKey: text('job_key')
      .notNull()
      .default(sql`substr(md5(random()::text || clock_timestamp()::text), 1, 12)`),
  },
  (t) => [index('evaluations_model_idx').on(t.modelId), index('evaluations_status_idx').on(t.status)],
);

export const results = pgTable(
  'results',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    modelId: integer('model_id')
      .notNull()
      .references(() => models.id, { onDelete: 'cascade' }),
    patternRevisionId: integer('pattern_revision_id')
      .notNull()
      .references(() => patternRevisions.id, { onDelete: 'cascade' }),
    /** Denormalised so the all-day questions (per model × problem) need no joins. */
    patternId: integer('pattern_id').notNull(),
    problemId: integer('problem_id').notNull(),
    run: integer('run').notNull().default(1),
    evaluationId: integer('evaluation_id').references(() => evaluations.id, { onDelete: 'set null' }),
    status: resultStatus('status').notNull(),
    output: jsonb('output'),
    prediction: jsonb('prediction'),
    reason: text('reason').notNull().default(''),
    latencyMs: integer('latency_ms'),
    attempts: integer('attempts').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('results_model_revision_run_uq').on(t.modelId, t.patternRevisionId, t.run),
    index('results_model_problem_idx').on(t.modelId, t.problemId),
    index('results_problem_model_idx').on(t.problemId, t.modelId),
    index('results_revision_idx').on(t.patternRevisionId),
    index('results_evaluation_idx').on(t.evaluationId),
  ],
);

export const signoffs = pgTable(
  'signoffs',
  {
    id: serial('id').primaryKey(),
    problemId: integer('problem_id')
      .notNull()
      .references(() => problems.id, { onDelete: 'cascade' }),
    modelId: integer('model_id')
      .notNull()
      .references(() => models.id, { onDelete: 'cascade' }),
    passRate: doublePrecision('pass_rate').notNull(),
    signedBy: text('signed_by').notNull(),
    signedAt: timestamp('signed_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedBy: text('revoked_by'),
    brokenAt: timestamp('broken_at', { withTimezone: true }),
    brokenByModelId: integer('broken_by_model_id').references(() => models.id, { onDelete: 'set null' }),
  },
  (t) => [
    index('signoffs_problem_idx').on(t.problemId),
    // One standing sign-off per person, problem and model: a double click must not make two.
    uniqueIndex('signoffs_standing_uq')
      .on(t.problemId, t.modelId, t.signedBy)
      .where(sql`${t.revokedAt} is null and ${t.brokenAt} is null`),
  ],
);

/** Pending flag-reaction prompts: one per flagged message, however many people react. */
export const flags = pgTable(
  'flags',
  {
    id: serial('id').primaryKey(),
    channel: text('channel').notNull(),
    ts: text('ts').notNull(),
    text: text('text').notNull(),
    flaggedBy: text('flagged_by').notNull(),
    promptTs: text('prompt_ts'),
    patternId: integer('pattern_id').references(() => patterns.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('flags_message_uq').on(t.channel, t.ts)],
);

/**
 * Ledger of Slack posts keyed by what they are about (e.g. `eval:12:problem:3`): a retried job
 * finds its message here and updates it instead of posting twice.
 */
export const slackMessages = pgTable(
  'slack_messages',
  {
    key: text('key').primaryKey(),
    channel: text('channel').notNull(),
    ts: text('ts'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  () => [],
);

/** One row per digest tick, so N workers post one digest. */
export const digests = pgTable('digests', {
  tick: text('tick').primaryKey(),
  channel: text('channel').notNull(),
  ts: text('ts'),
  postedAt: timestamp('posted_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Slack event_ids already handled; Slack redelivers on slow acks. */
export const slackEvents = pgTable('slack_events', {
  eventId: text('event_id').primaryKey(),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Patterns added together (one API call, one import): back-filled by one evaluation per model and answered with
 * one message per problem thread, however many patterns it held.
 */
export const patternAdds = pgTable('pattern_adds', {
  id: serial('id').primaryKey(),
  creatorId: text('creator_id'),
  /** Patterns this add created. */
  size: integer('size').notNull(),
  /** Random per row, folded into its notification job ids (see evaluations.job_key). */
  jobKey: text('job_key')
    .notNull()
    .default(sql`substr(md5(random()::text || clock_timestamp()::text), 1, 12)`),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Answers of graders and embedders by (model, sha256 of the exact text sent): a back-fill or a repeat that sends the
 * same text to the same grader version reads the answer here instead of paying for the call again.
 */
export const graderCalls = pgTable(
  'grader_calls',
  {
    modelId: integer('model_id')
      .notNull()
      .references(() => models.id, { onDelete: 'cascade' }),
    textHash: text('text_hash').notNull(),
    /** The grader's prediction without its raw response (label, score, text, embedding, usage). */
    answer: jsonb('answer').notNull(),
    latencyMs: integer('latency_ms'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('grader_calls_uq').on(t.modelId, t.textHash)],
);

/**
 * Who changed a control and when: retire/restore a model, deactivate/reactivate/edit a pattern, set a
 * threshold. Written in the same transaction as the change, so the record and the change cannot disagree.
 */
export const controlEvents = pgTable(
  'control_events',
  {
    id: serial('id').primaryKey(),
    /** e.g. model.retire, model.restore, pattern.deactivate, pattern.reactivate, pattern.edit */
    action: text('action').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: integer('subject_id').notNull(),
    /** A Slack user id, `api:<token fingerprint>` or `cli:<login>`. */
    actor: text('actor'),
    details: jsonb('details').notNull().default({}),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('control_events_subject_idx').on(t.subjectType, t.subjectId)],
);

export const observationStatus = pgEnum('observation_status', ['untriaged', 'patterned', 'dismissed']);
export const ratingValue = pgEnum('rating_value', ['up', 'down']);

/**
 * What a model answered in production (posted by the application, or a rated Slack message). `ups`/`downs`
 * mirror observation_ratings (kept in the same transaction) so listings and satisfaction need no join.
 */
export const observations = pgTable(
  'observations',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** Null: a rated Slack message nobody tied to a model (kept as unattributed). */
    modelId: integer('model_id').references(() => models.id, { onDelete: 'cascade' }),
    input: jsonb('input'),
    output: jsonb('output'),
    /** sha256 of the canonical input: identical inputs group in triage. */
    inputHash: text('input_hash'),
    at: timestamp('at', { withTimezone: true }).notNull(),
    userId: text('user_id'),
    comment: text('comment'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    externalId: text('external_id'),
    slackChannel: text('slack_channel'),
    slackTs: text('slack_ts'),
    ups: integer('ups').notNull().default(0),
    downs: integer('downs').notNull().default(0),
    status: observationStatus('status').notNull().default('untriaged'),
    patternId: integer('pattern_id').references(() => patterns.id, { onDelete: 'set null' }),
    triagedBy: text('triaged_by'),
    triagedAt: timestamp('triaged_at', { withTimezone: true }),
    dismissReason: text('dismiss_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('observations_external_uq').on(t.externalId),
    uniqueIndex('observations_slack_uq').on(t.slackChannel, t.slackTs),
    // Keyset listing, newest first: (at, id) alone and per model.
    index('observations_at_idx').on(t.at.desc(), t.id.desc()),
    index('observations_model_at_idx').on(t.modelId, t.at.desc(), t.id.desc()),
    // The triage queue: untriaged complaints, newest first.
    index('observations_triage_idx')
      .on(t.at.desc(), t.id.desc())
      .where(sql`${t.status} = 'untriaged' and ${t.downs} > 0`),
    index('observations_pattern_idx').on(t.patternId),
    // Triage marks every untriaged complaint with the same input at once.
    index('observations_input_hash_idx').on(t.inputHash).where(sql`${t.status} = 'untriaged'`),
  ],
);

/** One rating per person per observation: a changed mind replaces the earlier one. */
export const observationRatings = pgTable(
  'observation_ratings',
  {
    observationId: bigint('observation_id', { mode: 'number' })
      .notNull()
      .references(() => observations.id, { onDelete: 'cascade' }),
    rater: text('rater').notNull(),
    rating: ratingValue('rating').notNull(),
    source: text('source').notNull(),
    ratedAt: timestamp('rated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('observation_ratings_uq').on(t.observationId, t.rater)],
);
