import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { results } from '../../src/db/schema.ts';
import { type ModelServer, startModelServer } from '../../src/modelserver/index.ts';
import { jobCatalog } from '../../src/queue/jobs.ts';
import { type PrivatePostgres, startPrivatePostgres, type WorkerProcess } from '../support/processes.ts';
import {
  createRig,
  exactlyOnce,
  logCount,
  missingRevisions,
  outageMs,
  outcomeOf,
  printReport,
  type Rig,
  registerAfinnModel,
  SHARED_REDIS_URL,
  seedPatterns,
  startWorker,
  stopFaultRun,
  tally,
  waitForDone,
  waitForFinished,
} from './support.ts';

const PATTERNS = 2_000;

let postgres: PrivatePostgres;
let database: Database;
let server: ModelServer;
let rig: Rig;
let worker: WorkerProcess;
let revisionIds: number[];

beforeAll(async () => {
  // Never the shared Postgres: a cluster of our own, on its own port, that this test may restart.
  postgres = await startPrivatePostgres();
  database = await openDatabase({ databaseUrl: postgres.url, dataDir: 'memory://', maxConnections: 5 });
  await database.migrate();
  server = await startModelServer({ port: 0, latencyMs: 15 });
  rig = createRig({
    databaseUrl: postgres.url,
    redisUrl: SHARED_REDIS_URL,
    db: database.db,
    env: { CANARY_JOB_CHUNK_SIZE: '50' },
  });
  ({ revisionIds } = await seedPatterns(database.db, { problems: 3, count: PATTERNS }));
  worker = await startWorker(rig.workerEnv());
});

afterAll(async () => {
  await stopFaultRun({ rig, server });
  await database?.close().catch(() => {});
  await postgres?.stop();
});

it('Postgres restarted mid-run: failed batches are retried and the run completes, one result per revision', async () => {
  const { model, evaluationId } = await registerAfinnModel(database.db, rig, server, 'pg-restart', {
    batchSize: 5,
    concurrency: 2,
  });

  const doneAtShutdown = await waitForDone(database.db, evaluationId, PATTERNS / 4);
  const downMs = await outageMs(async () => {
    await postgres.shutdown();
    await postgres.start();
  });

  const finished = await waitForFinished(database.db, evaluationId, 120_000);
  const counts = await tally(database.db, model.id);
  const missing = await missingRevisions(database.db, model.id, revisionIds);
  printReport({
    test: 'postgres-restart',
    injected: { postgresRestart: 1 },
    checked: PATTERNS,
    lost: missing + counts.errored,
    duplicated: counts.results - counts.distinctKeys,
    doneAtShutdown,
    postgresDownMs: downMs,
    jobsFailedAndRetried: logCount(worker.logs, 'job failed'),
    evaluation: outcomeOf(finished),
  });

  expect(finished.status).toBe('done');
  expect(finished).toMatchObject({ total: PATTERNS, doneCount: PATTERNS, errored: 0 });
  expect(counts).toEqual(exactlyOnce(PATTERNS));
  expect(missing).toBe(0);
  // The outage really hit the worker: some batch failed and was retried.
  expect(logCount(worker.logs, 'job failed')).toBeGreaterThanOrEqual(1);
});

/** How long the second test keeps Postgres down: longer than a batch's retry budget on paper (1 s + 2 s backoff). */
const LONG_OUTAGE_MS = 15_000;

/**
 * A long outage, as a failover can be. A batch has three attempts with backoff from 1 s, but postgres.js also
 * backs off reconnecting (up to 20 s), so an attempt may wait instead of failing at once: how many batches give
 * up is not fixed. What is fixed: every revision is accounted for exactly once (a batch that gave up leaves
 * errored rows naming the failure, never missing rows), and asking again runs exactly those.
 */
it('a 15 s outage: every revision accounted for exactly once, errored gaps named, and a re-run repairs them', async () => {
  const { model, evaluationId } = await registerAfinnModel(database.db, rig, server, 'pg-long-outage', {
    batchSize: 5,
    concurrency: 2,
  });
  await waitForDone(database.db, evaluationId, PATTERNS / 4);
  const logsBefore = worker.logs.length;
  await postgres.shutdown();
  // The fault is the duration itself, not a wait for something to happen.
  await new Promise((r) => setTimeout(r, LONG_OUTAGE_MS));
  await postgres.start();
  const during = worker.logs.slice(logsBefore);

  const finished = await waitForFinished(database.db, evaluationId, 120_000);
  const counts = await tally(database.db, model.id);
  const missing = await missingRevisions(database.db, model.id, revisionIds);
  const reasons = await erroredReasons(model.id);

  const again = await rig.scheduler.evaluateModel({ modelId: model.id, trigger: 'manual' });
  const rerun = await waitForFinished(database.db, again.evaluationId, 60_000);
  const after = await tally(database.db, model.id);

  printReport({
    test: 'postgres-long-outage',
    injected: { postgresOutageMs: LONG_OUTAGE_MS },
    checked: PATTERNS,
    lost: missing,
    duplicated: counts.results - counts.distinctKeys,
    batchAttemptsFailed: during.filter((l) => l.msg === 'job failed' && l.job === 'evaluation.batch').length,
    batchesExhausted: during.filter(
      (l) =>
        l.msg === 'job failed' &&
        l.job === 'evaluation.batch' &&
        Number(l.attemptsMade) >= jobCatalog['evaluation.batch'].options.attempts,
    ).length,
    erroredByOutage: counts.errored,
    rerunTotal: rerun.total,
    erroredAfterRerun: after.errored,
    sampleReason: reasons[0] ?? null,
  });

  expect(finished.status).toBe('done');
  expect(counts).toMatchObject({ results: PATTERNS, distinctKeys: PATTERNS, distinctRevisions: PATTERNS });
  expect(missing).toBe(0);
  expect(finished.errored).toBe(counts.errored);
  expect(reasons.every((r) => r.startsWith('worker failed:'))).toBe(true);
  expect(rerun).toMatchObject({ status: 'done', total: counts.errored, errored: 0 });
  expect(after).toEqual(exactlyOnce(PATTERNS));
});

async function erroredReasons(modelId: number): Promise<string[]> {
  const rows = await database.db
    .select({ reason: results.reason })
    .from(results)
    .where(and(eq(results.modelId, modelId), eq(results.status, 'errored')));
  return rows.map((r) => r.reason);
}
