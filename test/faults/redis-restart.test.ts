import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ModelServer, startModelServer } from '../../src/modelserver/index.ts';
import { jobOptionsFor } from '../../src/queue/jobs.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { type PrivateRedis, startPrivateRedis } from '../support/processes.ts';
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
  seedPatterns,
  startWorker,
  stopFaultRun,
  tally,
  waitForDone,
  waitForFinished,
} from './support.ts';

const PATTERNS = 2_000;

let database: TestDatabase;
let server: ModelServer;
let redis: PrivateRedis;
let rig: Rig;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startModelServer({ port: 0, latencyMs: 15 });
  // Never the shared Redis: this one is ours to stop. AOF with fsync on every write, so jobs survive, as in production.
  redis = await startPrivateRedis();
  rig = createRig({
    databaseUrl: database.url,
    redisUrl: redis.url,
    db: database.db,
    env: { CANARY_JOB_CHUNK_SIZE: '50' },
  });
});

afterAll(async () => {
  await stopFaultRun({ rig, server });
  await database?.drop();
});

it('Redis restarted mid-run: the run completes by itself with nothing lost or doubled', async () => {
  const { revisionIds } = await seedPatterns(database.db, { problems: 3, count: PATTERNS });
  const worker = await startWorker(rig.workerEnv());
  const { model, evaluationId } = await registerAfinnModel(database.db, rig, server, 'redis-restart', {
    batchSize: 5,
    concurrency: 2,
  });

  const doneAtShutdown = await waitForDone(database.db, evaluationId, PATTERNS / 4);
  const downMs = await outageMs(async () => {
    await redis.shutdown();
    // Down long enough for every client to notice: the worker's blocking call and lock renewals fail.
    await new Promise((r) => setTimeout(r, 1_500));
    await redis.start();
  });

  const finished = await waitForFinished(database.db, evaluationId, 120_000);
  expect(finished.status).toBe('done');
  expect(finished).toMatchObject({ total: PATTERNS, doneCount: PATTERNS, errored: 0 });

  const counts = await tally(database.db, model.id);
  expect(counts).toEqual(exactlyOnce(PATTERNS));
  expect(await missingRevisions(database.db, model.id, revisionIds)).toBe(0);
  // The queue itself came back: the parent job is completed in the restarted Redis, not lost with it.
  const parentId = jobOptionsFor('evaluation.run', { evaluationId, jobKey: finished.jobKey }).jobId as string;
  const parent = await rig.queues.evaluations.getJob(parentId);
  expect(await parent?.getState()).toBe('completed');

  printReport({
    test: 'redis-restart',
    injected: { redisRestart: 1 },
    checked: PATTERNS,
    lost: PATTERNS - counts.distinctRevisions + counts.errored,
    duplicated: counts.results - counts.distinctKeys,
    doneAtShutdown,
    redisDownMs: downMs,
    workerErrorsLogged: logCount(worker.logs, 'worker error'),
    jobsFailedAndRetried: logCount(worker.logs, 'job failed'),
    stalledJobsRecovered: logCount(worker.logs, 'job stalled; handed to another worker'),
    evaluation: outcomeOf(finished),
  });
});
