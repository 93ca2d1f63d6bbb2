import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { type Config, loadConfig } from '../../src/config.ts';
import type { Expectation } from '../../src/core/expectations/handler.ts';
import type { PatternInput } from '../../src/core/pattern.ts';
import type { Db } from '../../src/db/client.ts';
import { getEvaluationRow } from '../../src/db/queries/evaluations.ts';
import { models, patternRevisions, patterns, problems, results } from '../../src/db/schema.ts';
import { type ModelServer, startModelServer } from '../../src/modelserver/index.ts';
import { createQueues, type Queues } from '../../src/queue/queues.ts';
import { createScheduler } from '../../src/queue/transport.ts';
import { type RunningWorkers, startWorkers } from '../../src/queue/workers.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

/** Everything an evaluation-engine test needs: its own database, queue prefix and model server. */
export interface Harness {
  database: TestDatabase;
  db: Db;
  config: Config;
  prefix: string;
  server: ModelServer;
  queues: Queues;
  scheduler: ReturnType<typeof createScheduler>;
  /** Started in-process unless `workers: false`. */
  workers: RunningWorkers | undefined;
  close(): Promise<void>;
}

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function randomPrefix(): string {
  // A hash tag, like the production default, so Redis Cluster keeps a queue's keys together.
  return `{canary-t-${randomBytes(5).toString('hex')}}`;
}

export function testEnv(database: TestDatabase, prefix: string, extra: Record<string, string> = {}) {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: database.url,
    REDIS_URL,
    CANARY_QUEUE_PREFIX: prefix,
    CANARY_STALLED_INTERVAL_MS: '1000',
    // The model servers of the tests listen on loopback, which Canary refuses unless allow-listed.
    CANARY_ENDPOINT_ALLOWLIST: '127.0.0.1',
    CANARY_JOB_CHUNK_SIZE: '2',
    // Tests that exhaust a batch's retries should not wait out production's two-minute budget.
    CANARY_BATCH_ATTEMPTS: '3',
    ...extra,
  };
}

export async function createHarness(
  opts: { workers?: boolean; env?: Record<string, string>; latencyMs?: number } = {},
): Promise<Harness> {
  const database = await createTestDatabase();
  const prefix = randomPrefix();
  const config = loadConfig(testEnv(database, prefix, opts.env));
  const server = await startModelServer({
    port: 0,
    ...(opts.latencyMs ? { latencyMs: opts.latencyMs } : {}),
  });
  const queues = createQueues(config);
  const scheduler = createScheduler({ db: database.db, queues, config });
  const workers =
    opts.workers === false
      ? undefined
      : await startWorkers({
          config,
          db: database.db,
          log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
          secrets: {},
          queues,
        });
  return {
    database,
    db: database.db,
    config,
    prefix,
    server,
    queues,
    scheduler,
    workers,
    async close() {
      await workers?.close();
      await Promise.allSettled([
        queues.evaluations.obliterate({ force: true }),
        queues.notify.obliterate({ force: true }),
      ]);
      await queues.close();
      await server.close();
      await database.drop();
    },
  };
}

let seededProblems = 0;

/** Open problem titles are unique, so each seeded problem gets its own. */
export async function seedProblem(
  db: Db,
  title = `Negation is ignored ${++seededProblems}`,
): Promise<number> {
  const [row] = await db.insert(problems).values({ title }).returning({ id: problems.id });
  return row!.id;
}

export async function seedPattern(
  db: Db,
  problemId: number,
  input: PatternInput,
  expectation: Expectation,
): Promise<{ patternId: number; revisionId: number }> {
  const [pattern] = await db
    .insert(patterns)
    .values({ problemId, fingerprint: randomBytes(8).toString('hex') })
    .returning({ id: patterns.id });
  const [revision] = await db
    .insert(patternRevisions)
    .values({ patternId: pattern!.id, revision: 1, input, expectation })
    .returning({ id: patternRevisions.id });
  return { patternId: pattern!.id, revisionId: revision!.id };
}

export async function seedModel(
  db: Db,
  server: ModelServer,
  opts: { name?: string; model?: string; repeats?: number; options?: Record<string, unknown> } = {},
): Promise<number> {
  const [row] = await db
    .insert(models)
    .values({
      name: opts.name ?? 'sentiment',
      version: randomBytes(4).toString('hex'),
      adapter: 'kserve-v2',
      url: `${server.url}/v2/models/${opts.model ?? 'afinn'}/infer`,
      endpointOptions: { retries: 0, ...opts.options },
      repeats: opts.repeats ?? 1,
    })
    .returning({ id: models.id });
  return row!.id;
}

/** Polls until the check returns a value, failing with the last seen state after the deadline. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | null | false>,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${opts.what ?? 'condition'}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}

export async function waitForEvaluation(db: Db, id: number, timeoutMs = 20_000) {
  return waitFor(
    async () => {
      const row = await getEvaluationRow(db, id);
      return row && (row.status === 'done' || row.status === 'failed') ? row : undefined;
    },
    { timeoutMs, what: `evaluation ${id} to finish` },
  );
}

export async function resultsOf(db: Db, modelId?: number) {
  const rows = await db.select().from(results);
  return modelId === undefined ? rows : rows.filter((r) => r.modelId === modelId);
}
