import { afterAll, beforeAll, expect, it } from 'vitest';
import { getEvaluationRow } from '../../src/db/queries/evaluations.ts';
import { type ModelServer, startModelServer } from '../../src/modelserver/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import type { WorkerProcess } from '../support/processes.ts';
import { type SlackApi, startSlackApi } from '../support/slack-api/index.ts';
import {
  createRig,
  exactlyOnce,
  logCount,
  missingRevisions,
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
  waitForNotified,
} from './support.ts';

const PATTERNS = 5_000;
const CHANNEL = 'CMODELS01';

let database: TestDatabase;
let server: ModelServer;
let rig: Rig;
let slack: SlackApi;

beforeAll(async () => {
  database = await createTestDatabase();
  // 15 ms a request, two requests at a time per worker: the 5,000 patterns take several seconds.
  server = await startModelServer({ port: 0, latencyMs: 15 });
  rig = createRig({ databaseUrl: database.url, redisUrl: SHARED_REDIS_URL, db: database.db });
  slack = await startSlackApi();
  slack.addChannel({ id: CHANNEL, name: 'models' });
});

afterAll(async () => {
  await stopFaultRun({ rig, server });
  await slack?.close();
  await database?.drop();
});

function startNotifyingWorker(): Promise<WorkerProcess> {
  // Notifications run in the same worker processes, so the kills hit them too.
  return startWorker(
    rig.workerEnv({
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: 'signing-secret',
      SLACK_API_URL: slack.url,
      CANARY_MODELS_CHANNEL: CHANNEL,
      CANARY_SLACK_RATE_PER_SEC: '50',
    }),
  );
}

/** Kills the only live worker once it holds at least one job lock and the run has reached `atLeast` results. */
async function killMidBatch(worker: WorkerProcess, evaluationId: number, atLeast: number): Promise<number> {
  await waitForDone(database.db, evaluationId, atLeast);
  const deadline = Date.now() + 10_000;
  while ((await rig.queues.evaluations.getActiveCount()) === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
  await worker.kill();
  return (await getEvaluationRow(database.db, evaluationId))?.doneCount ?? 0;
}

it('SIGKILLed workers mid-run: every (model, revision, run) ends with exactly one result', async () => {
  const { revisionIds } = await seedPatterns(database.db, { problems: 5, count: PATTERNS });
  expect(revisionIds).toHaveLength(PATTERNS);

  const first = await startNotifyingWorker();
  const { model, evaluationId } = await registerAfinnModel(database.db, rig, server, 'kill-1', {
    batchSize: 10,
    concurrency: 2,
  });

  const doneAtFirstKill = await killMidBatch(first, evaluationId, 1_000);
  const second = await startNotifyingWorker();
  const doneAtSecondKill = await killMidBatch(second, evaluationId, 3_000);
  const third = await startNotifyingWorker();

  const finished = await waitForFinished(database.db, evaluationId, 120_000);
  expect(finished.status).toBe('done');
  expect(finished).toMatchObject({ total: PATTERNS, doneCount: PATTERNS });
  expect(finished.passed + finished.failed + finished.errored).toBe(PATTERNS);

  const counts = await tally(database.db, model.id);
  expect(counts).toEqual(exactlyOnce(PATTERNS));
  expect(await missingRevisions(database.db, model.id, revisionIds)).toBe(0);

  // The surviving workers saw the dead ones' jobs as stalled and ran them again.
  const stalled =
    logCount(second.logs, 'job stalled; handed to another worker') +
    logCount(third.logs, 'job stalled; handed to another worker');
  expect(stalled).toBeGreaterThanOrEqual(1);

  // Notifications: one summary message for the run, edited in place, however often jobs were retried.
  await waitForNotified(database.db, evaluationId, 30_000);
  const posts = slack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === CHANNEL && c.outcome === 'ok');
  const topLevel = slack.messages(CHANNEL);
  expect(topLevel).toHaveLength(1);
  expect(posts).toHaveLength(1);
  expect(topLevel[0]?.text ?? '').toContain('sentiment@kill-1');

  printReport({
    test: 'worker-sigkill',
    injected: { workerSigkill: 2 },
    checked: PATTERNS,
    lost: PATTERNS - counts.distinctRevisions + counts.errored,
    duplicated: counts.results - counts.distinctKeys,
    doneAtKills: [doneAtFirstKill, doneAtSecondKill],
    stalledJobsRecovered: stalled,
    slackSummaryPosts: posts.length,
    slackSummaryEdits: slack.callsTo('chat.update').filter((c) => c.outcome === 'ok').length,
    evaluation: {
      status: finished.status,
      total: finished.total,
      passed: finished.passed,
      failed: finished.failed,
      errored: finished.errored,
    },
  });
});
