import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { results } from '../../src/db/schema.ts';
import {
  MODELS,
  type ModelServer,
  type ModelServerFaults,
  startModelServer,
} from '../../src/modelserver/index.ts';
import { getEvaluation } from '../../src/services/evaluation/results.ts';
import { evaluationSummaryMessage } from '../../src/slack/blocks/evaluation-summary.ts';
import { problemResultMessage } from '../../src/slack/blocks/problem-result.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { cleanupAll, spawnWorker, stopAllWorkers } from '../support/processes.ts';
import {
  createRig,
  insertModel,
  printReport,
  type Rig,
  SHARED_REDIS_URL,
  seedPatterns,
  tally,
  waitForFinished,
} from './support.ts';

const afinn = MODELS.get('afinn');

let database: TestDatabase;
let rig: Rig;
const servers: ModelServer[] = [];

let mixedProblem: number;
let persistentProblem: number;
let halfProblem: number;
const MIXED = 400;
const PERSISTENT = 20;
const HALF = 40;

beforeAll(async () => {
  database = await createTestDatabase();
  rig = createRig({ databaseUrl: database.url, redisUrl: SHARED_REDIS_URL, db: database.db });
  mixedProblem = (await seedPatterns(database.db, { problems: 1, count: MIXED, titlePrefix: 'Mixed' }))
    .problemIds[0] as number;
  persistentProblem = (
    await seedPatterns(database.db, { problems: 1, count: PERSISTENT, titlePrefix: 'Persistent' })
  ).problemIds[0] as number;
  halfProblem = (await seedPatterns(database.db, { problems: 1, count: HALF, titlePrefix: 'Half' }))
    .problemIds[0] as number;
  await spawnWorker(rig.workerEnv()).ready;
});

afterAll(async () => {
  await stopAllWorkers();
  await rig?.close();
  await cleanupAll();
  await Promise.allSettled(servers.map((s) => s.close()));
  await database?.drop();
});

async function serverWith(faults: ModelServerFaults): Promise<ModelServer> {
  const server = await startModelServer({ port: 0, faults });
  servers.push(server);
  return server;
}

async function evaluate(server: ModelServer, options: Record<string, unknown>, problemId: number) {
  const modelId = await insertModel(database.db, server, options);
  const { evaluationId } = await rig.scheduler.evaluateModel({ modelId, trigger: 'manual', problemId });
  return { modelId, evaluationId };
}

async function rowsOf(modelId: number) {
  return database.db.select().from(results).where(eq(results.modelId, modelId));
}

describe('a flaky model endpoint', () => {
  it('every kind of fault at once: retried within the limit, one result per revision, errors named and excluded', async () => {
    const server = await serverWith({
      status500Every: 7,
      timeoutEvery: 11,
      closeEvery: 13,
      malformedEvery: 17,
      wrongCountEvery: 19,
    });
    const RETRIES = 3;
    const { modelId, evaluationId } = await evaluate(
      server,
      { batchSize: 5, concurrency: 2, retries: RETRIES, timeoutMs: 400, backoffMs: 10 },
      mixedProblem,
    );
    const finished = await waitForFinished(database.db, evaluationId, 120_000);
    expect(finished.status).toBe('done');

    const injected = server.stats().injected;
    for (const kind of ['status500', 'timeout', 'close', 'malformed', 'wrongCount'] as const) {
      expect(injected[kind], kind).toBeGreaterThan(0);
    }
    const counts = await tally(database.db, modelId);
    expect(counts).toMatchObject({ results: MIXED, distinctKeys: MIXED, distinctRevisions: MIXED });

    const rows = await rowsOf(modelId);
    expect(rows.every((r) => r.attempts >= 1 && r.attempts <= RETRIES + 1)).toBe(true);
    const recovered = rows.filter((r) => r.status !== 'errored' && r.attempts > 1);
    expect(recovered.length).toBeGreaterThan(0);
    const errored = rows.filter((r) => r.status === 'errored');
    // Only a request that failed every allowed attempt becomes an error, and it says why.
    for (const r of errored) {
      expect(r.attempts).toBe(RETRIES + 1);
      expect(r.reason).toMatch(
        /^(HTTP 500|timed out after 400 ms|connection error|response is not valid JSON|malformed response)/,
      );
    }

    const view = await getEvaluation(database, evaluationId);
    const metrics = view?.perProblem?.find((p) => p.problemId === mixedProblem)?.metrics;
    expect(metrics).toBeDefined();
    expect(metrics?.errored).toBe(errored.length);
    expect(metrics?.n).toBe(MIXED - errored.length);
    expect(metrics?.passed).toBe(rows.filter((r) => r.status === 'passed').length);
    expect(metrics?.passRate).toBeCloseTo((metrics?.passed ?? 0) / (metrics?.n ?? 1));

    printReport({
      test: 'model-endpoint-mixed',
      injected,
      checked: MIXED,
      lost: MIXED - counts.distinctRevisions,
      duplicated: counts.results - counts.distinctKeys,
      requests: server.stats().requests,
      recoveredAfterRetry: recovered.length,
      errored: errored.length,
      maxAttempts: Math.max(...rows.map((r) => r.attempts)),
    });
  });

  const PERSISTENT_FAULTS: [string, ModelServerFaults, RegExp][] = [
    ['500 on every request', { status500Every: 1 }, /^HTTP 500: .*injected fault/],
    ['timeouts', { timeoutEvery: 1 }, /^timed out after 300 ms$/],
    ['closed connections', { closeEvery: 1 }, /^connection error: (ECONNRESET|socket hang up)/],
    ['malformed JSON', { malformedEvery: 1 }, /^response is not valid JSON/],
    ['one prediction short', { wrongCountEvery: 1 }, /^malformed response: expected 5 predictions, got 4$/],
  ];

  it('a fault that never clears: each kind is retried exactly to the limit, then recorded as errored with its reason', async () => {
    const RETRIES = 2;
    const runs = await Promise.all(
      PERSISTENT_FAULTS.map(async ([name, faults, reason]) => {
        const server = await serverWith(faults);
        const run = await evaluate(
          server,
          { batchSize: 5, concurrency: 4, retries: RETRIES, timeoutMs: 300, backoffMs: 10 },
          persistentProblem,
        );
        return { name, reason, server, ...run };
      }),
    );
    const figures: Record<string, unknown> = {};
    let checked = 0;
    let lost = 0;
    let duplicated = 0;
    for (const run of runs) {
      const finished = await waitForFinished(database.db, run.evaluationId, 60_000);
      expect(finished, run.name).toMatchObject({
        status: 'done',
        total: PERSISTENT,
        errored: PERSISTENT,
        passed: 0,
        failed: 0,
      });
      const rows = await rowsOf(run.modelId);
      const counts = await tally(database.db, run.modelId);
      expect(counts, run.name).toEqual({
        results: PERSISTENT,
        distinctKeys: PERSISTENT,
        distinctRevisions: PERSISTENT,
        errored: PERSISTENT,
      });
      for (const r of rows) {
        expect(r.reason, run.name).toMatch(run.reason);
        expect(r.attempts, run.name).toBe(RETRIES + 1);
      }
      // Four requests of five inputs, each tried 1 + RETRIES times, never more.
      expect(run.server.stats().requests, run.name).toBe((PERSISTENT / 5) * (RETRIES + 1));
      const metrics = (await getEvaluation(database, run.evaluationId))?.perProblem?.[0]?.metrics;
      expect(metrics, run.name).toMatchObject({
        n: 0,
        passed: 0,
        failed: 0,
        errored: PERSISTENT,
        passRate: null,
      });
      checked += PERSISTENT;
      lost += PERSISTENT - counts.distinctRevisions;
      duplicated += counts.results - counts.distinctKeys;
      figures[run.name] = {
        requests: run.server.stats().requests,
        errored: counts.errored,
        sampleReason: rows[0]?.reason,
      };
    }
    printReport({
      test: 'model-endpoint-persistent',
      injected: Object.fromEntries(runs.map((r) => [r.name, r.server.stats().requests])),
      checked,
      lost,
      duplicated,
      perKind: figures,
    });
  });

  it('errored results stay out of the pass rate, and the messages say how many were left out', async () => {
    // One input per request, one request at a time, no retries: every second request fails, exactly half.
    const server = await serverWith({ status500Every: 2 });
    const { modelId, evaluationId } = await evaluate(
      server,
      { batchSize: 1, concurrency: 1, retries: 0 },
      halfProblem,
    );
    const finished = await waitForFinished(database.db, evaluationId, 60_000);
    expect(finished).toMatchObject({ status: 'done', total: HALF, errored: HALF / 2 });

    const rows = await rowsOf(modelId);
    const answered = rows.filter((r) => r.status !== 'errored');
    const revisions = await database.db.query.patternRevisions.findMany();
    const byId = new Map(revisions.map((r) => [r.id, r]));
    // The oracle is the served model: which answered revisions should pass follows from what it predicts.
    const shouldPass = answered.filter((r) => {
      const rev = byId.get(r.patternRevisionId);
      if (!rev || !afinn) throw new Error(`revision ${r.patternRevisionId} or the afinn model is missing`);
      return afinn.predict(rev.input as string).label === (rev.expectation as { label: string }).label;
    }).length;

    const view = await getEvaluation(database, evaluationId);
    const problem = view?.perProblem?.find((p) => p.problemId === halfProblem);
    expect(problem?.metrics).toMatchObject({
      n: HALF / 2,
      errored: HALF / 2,
      passed: shouldPass,
      failed: HALF / 2 - shouldPass,
    });
    expect(problem?.metrics.passRate).toBeCloseTo(shouldPass / (HALF / 2));

    const summary = evaluationSummaryMessage({
      model: `${view?.model.name}@${view?.model.version}`,
      state: 'done',
      trigger: view?.trigger ?? 'manual',
      progress: {
        total: finished.total,
        done: finished.doneCount,
        passed: finished.passed,
        failed: finished.failed,
        errored: finished.errored,
      },
    });
    expect(JSON.stringify(summary.blocks)).toContain(`${HALF / 2} errored`);
    const perProblem = problemResultMessage({
      model: 'sentiment',
      problem: {
        key: problem?.key ?? '',
        title: problem?.title ?? '',
        threshold: problem?.threshold ?? null,
      },
      metrics: problem?.metrics ?? {
        n: 0,
        passed: 0,
        failed: 0,
        errored: 0,
        flaky: 0,
        passRate: null,
        ci: null,
      },
      previous: null,
      production: null,
      verdict: null,
      thresholdMet: null,
      broken: [],
      fixed: [],
    });
    expect(JSON.stringify(perProblem.blocks)).toContain(`(n=${HALF / 2}, ${HALF / 2} errored)`);
    const erroredRows = await database.db
      .select({ reason: results.reason })
      .from(results)
      .where(and(eq(results.modelId, modelId), eq(results.status, 'errored')));
    expect(erroredRows.every((r) => /^HTTP 500/.test(r.reason))).toBe(true);

    printReport({
      test: 'model-endpoint-pass-rate',
      injected: { status500: server.stats().injected.status500 },
      checked: HALF,
      lost: HALF - rows.length,
      duplicated: rows.length - new Set(rows.map((r) => `${r.patternRevisionId}/${r.run}`)).size,
      errored: finished.errored,
      passRate: problem?.metrics.passRate,
      n: problem?.metrics.n,
    });
  });
});
