import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type Config, loadConfig } from '../../src/config.ts';
import type { Db } from '../../src/db/client.ts';
import { getEvaluationRow } from '../../src/db/queries/evaluations.ts';
import { models, patternRevisions, patterns, problems } from '../../src/db/schema.ts';
import { createLogger } from '../../src/logger.ts';
import type { ModelServer } from '../../src/modelserver/index.ts';
import { createQueues, type Queues } from '../../src/queue/queues.ts';
import { createScheduler } from '../../src/queue/transport.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import { queuedEvaluationId, registerModel } from '../../src/services/models.ts';
import type { EvaluationScheduler } from '../../src/services/ports.ts';
import { cleanupAll, spawnWorker, stopAllWorkers, type WorkerProcess } from '../support/processes.ts';

export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function randomPrefix(): string {
  return `{canary-f-${randomBytes(5).toString('hex')}}`;
}

/** What every fault test prints, one JSON line, so its figures can be quoted. */
export interface FaultReport {
  test: string;
  injected: Record<string, number>;
  checked: number;
  lost: number;
  duplicated: number;
  [extra: string]: unknown;
}

export function printReport(report: FaultReport): void {
  console.log(`FAULT-REPORT ${JSON.stringify(report)}`);
}

const WORDS = {
  positive: ['great', 'love', 'excellent', 'happy', 'wonderful', 'good'],
  negative: ['terrible', 'hate', 'awful', 'sad', 'horrible', 'bad'],
  neutral: ['the', 'table', 'report', 'blue', 'monday', 'window'],
};

/** Deterministic, varied texts: the served model gets some right and some wrong. */
function textFor(i: number): { text: string; label: 'positive' | 'negative' } {
  const pick = (list: string[], k: number) => list[k % list.length] as string;
  const kind = i % 3;
  const label = i % 2 === 0 ? 'positive' : 'negative';
  const main =
    kind === 0 ? pick(WORDS.positive, i) : kind === 1 ? pick(WORDS.negative, i) : pick(WORDS.neutral, i);
  return {
    text: `case ${i}: it was ${main}, ${pick(WORDS.neutral, i >> 2)} ${i % 7 === 0 ? 'not ' : ''}${main}`,
    label,
  };
}

/**
 * Bulk seed: `count` active patterns spread over the given problems, one revision each, written with multi-row
 * inserts (a few statements, not thousands). Returns the problem ids and every revision id.
 */
export async function seedPatterns(
  db: Db,
  opts: { problems: number; count: number; titlePrefix?: string },
): Promise<{ problemIds: number[]; revisionIds: number[] }> {
  const problemRows = await db
    .insert(problems)
    .values(
      Array.from({ length: opts.problems }, (_, i) => ({
        title: `${opts.titlePrefix ?? 'Fault problem'} ${i + 1}`,
        threshold: 0.5,
      })),
    )
    .returning({ id: problems.id });
  const problemIds = problemRows.map((p) => p.id);
  const revisionIds: number[] = [];
  const CHUNK = 1000;
  for (let start = 0; start < opts.count; start += CHUNK) {
    const indexes = Array.from({ length: Math.min(CHUNK, opts.count - start) }, (_, k) => start + k);
    const inserted = await db
      .insert(patterns)
      .values(
        indexes.map((i) => ({
          problemId: problemIds[i % problemIds.length] as number,
          fingerprint: `fault-${i}-${randomBytes(4).toString('hex')}`,
        })),
      )
      .returning({ id: patterns.id });
    const revisions = await db
      .insert(patternRevisions)
      .values(
        inserted.map((p, k) => {
          const { text, label } = textFor(indexes[k] as number);
          return { patternId: p.id, revision: 1, input: text, expectation: { label } };
        }),
      )
      .returning({ id: patternRevisions.id });
    revisionIds.push(...revisions.map((r) => r.id));
  }
  return { problemIds, revisionIds };
}

/** A model row pointing at a model server, with adapter options; no evaluation is started. */
export async function insertModel(
  db: Db,
  server: ModelServer,
  options: Record<string, unknown>,
  name = 'sentiment',
): Promise<number> {
  const [row] = await db
    .insert(models)
    .values({
      name,
      version: randomBytes(4).toString('hex'),
      adapter: 'kserve-v2',
      url: `${server.url}/v2/models/afinn/infer`,
      endpointOptions: options,
    })
    .returning({ id: models.id });
  return (row as { id: number }).id;
}

export function serviceDeps(db: Db, scheduler: EvaluationScheduler): ServiceDeps {
  return {
    db,
    log: createLogger('silent'),
    scheduler,
    now: () => new Date(),
    limits: { maxInputBytes: 32_768, endpointAllowlist: ['127.0.0.1'] },
  };
}

/** Registers the served AFINN model through the service, which starts its evaluation on the rig's queues. */
export async function registerAfinnModel(
  db: Db,
  rig: Rig,
  server: ModelServer,
  version: string,
  options: { batchSize: number; concurrency: number },
) {
  const registered = await registerModel(serviceDeps(db, rig.scheduler), {
    name: 'sentiment',
    version,
    endpoint: { adapter: 'kserve-v2', url: `${server.url}/v2/models/afinn/infer`, options },
  });
  return { model: registered.model, evaluationId: queuedEvaluationId(registered) };
}

/** A worker child process that has started its workers. */
export async function startWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const worker = spawnWorker(env);
  await worker.ready;
  return worker;
}

/** Milliseconds an outage took, from its first step to its last. */
export async function outageMs(outage: () => Promise<void>): Promise<number> {
  const downAt = Date.now();
  await outage();
  return Date.now() - downAt;
}

/** Teardown shared by the fault files: workers first, so nothing writes while the rest goes away. */
export async function stopFaultRun(parts: { rig?: Rig | undefined; server?: ModelServer | undefined }) {
  await stopAllWorkers();
  await parts.rig?.close().catch(() => {});
  await cleanupAll();
  await parts.server?.close();
}

export interface Tally {
  results: number;
  distinctKeys: number;
  distinctRevisions: number;
  errored: number;
}

/** The exactly-once check, in SQL: one row per (model, revision, run), nothing else. */
export async function tally(db: Db, modelId: number): Promise<Tally> {
  const rows = await db.execute<{
    results: number;
    distinct_keys: number;
    distinct_revisions: number;
    errored: number;
  }>(sql`
    select count(*)::int as results,
           count(distinct (model_id, pattern_revision_id, run))::int as distinct_keys,
           count(distinct pattern_revision_id)::int as distinct_revisions,
           count(*) filter (where status = 'errored')::int as errored
    from results where model_id = ${modelId}`);
  const row = (Array.isArray(rows) ? rows[0] : (rows as { rows: unknown[] }).rows[0]) as {
    results: number;
    distinct_keys: number;
    distinct_revisions: number;
    errored: number;
  };
  return {
    results: row.results,
    distinctKeys: row.distinct_keys,
    distinctRevisions: row.distinct_revisions,
    errored: row.errored,
  };
}

/** The tally of a run over `n` revisions that recorded each exactly once, none errored. */
export function exactlyOnce(n: number): Tally {
  return { results: n, distinctKeys: n, distinctRevisions: n, errored: 0 };
}

/** An evaluation row's outcome, as the fault reports print it. */
export function outcomeOf(row: { status: string; passed: number; failed: number; errored: number }) {
  return { status: row.status, passed: row.passed, failed: row.failed, errored: row.errored };
}

/** Revisions promised to the model that have no result at all. */
export async function missingRevisions(
  db: Db,
  modelId: number,
  revisionIds: readonly number[],
): Promise<number> {
  const rows = await db.execute<{ n: number }>(sql`
    select count(*)::int as n from unnest(${sql.raw(`ARRAY[${revisionIds.join(',') || 'NULL'}]::int[]`)}) as r(id)
    where not exists (select 1 from results where model_id = ${modelId} and pattern_revision_id = r.id)`);
  const row = (Array.isArray(rows) ? rows[0] : (rows as { rows: unknown[] }).rows[0]) as { n: number };
  return row.n;
}

export async function doneCount(db: Db, evaluationId: number): Promise<number> {
  return (await getEvaluationRow(db, evaluationId))?.doneCount ?? 0;
}

/** Polls the evaluation row until it is done or failed, with a deadline. */
export async function waitForFinished(db: Db, evaluationId: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const row = await getEvaluationRow(db, evaluationId);
      if (row && (row.status === 'done' || row.status === 'failed')) return row;
    } catch {
      // the database may be restarting in the Postgres test: keep polling until the deadline
    }
    if (Date.now() > deadline)
      throw new Error(`evaluation ${evaluationId} did not finish within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls until the finished evaluation's Slack notification has completed. */
export async function waitForNotified(db: Db, evaluationId: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await getEvaluationRow(db, evaluationId))?.notifiedAt) {
    if (Date.now() > deadline)
      throw new Error(`evaluation ${evaluationId} was not notified within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls until the evaluation has recorded at least `n` results. */
export async function waitForDone(
  db: Db,
  evaluationId: number,
  n: number,
  timeoutMs = 60_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = await doneCount(db, evaluationId);
    if (done >= n) return done;
    if (Date.now() > deadline) throw new Error(`evaluation ${evaluationId} stuck at ${done} < ${n} results`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Rig {
  config: Config;
  queues: Queues;
  scheduler: ReturnType<typeof createScheduler>;
  prefix: string;
  /** Environment for a worker child process pointed at the same database, Redis and prefix. */
  workerEnv(extra?: Record<string, string>): Record<string, string>;
  /** Obliterates this rig's queues and closes the producer connection. */
  close(): Promise<void>;
}

/** Producer side in the test process: queues and the real scheduler, on a fresh queue prefix. */
export function createRig(opts: {
  databaseUrl: string;
  redisUrl: string;
  db: Db;
  env?: Record<string, string>;
}): Rig {
  const prefix = randomPrefix();
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: opts.databaseUrl,
    REDIS_URL: opts.redisUrl,
    CANARY_QUEUE_PREFIX: prefix,
    CANARY_STALLED_INTERVAL_MS: '1000',
    // The model servers of the tests listen on loopback, which Canary refuses unless allow-listed.
    CANARY_ENDPOINT_ALLOWLIST: '127.0.0.1',
    CANARY_WORKER_CONCURRENCY: '2',
    CANARY_JOB_CHUNK_SIZE: '100',
    ...opts.env,
  };
  const config = loadConfig(env);
  const queues = createQueues(config);
  const scheduler = createScheduler({ db: opts.db, queues, config });
  return {
    config,
    queues,
    scheduler,
    prefix,
    workerEnv: (extra = {}) => ({ ...env, ...extra }),
    async close() {
      await Promise.allSettled([
        queues.evaluations.obliterate({ force: true }),
        queues.notify.obliterate({ force: true }),
      ]);
      await queues.close();
    },
  };
}

/** Log lines of a worker process with this message. */
export function logCount(logs: readonly Record<string, unknown>[], msg: string): number {
  return logs.filter((l) => l.msg === msg).length;
}
