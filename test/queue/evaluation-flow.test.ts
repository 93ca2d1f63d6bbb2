import type { Queue } from 'bullmq';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Expectation } from '../../src/core/expectations/handler.ts';
import { evaluations, models } from '../../src/db/schema.ts';
import { MODELS } from '../../src/modelserver/index.ts';
import { createScheduler } from '../../src/queue/transport.ts';
import { getEvaluation } from '../../src/services/evaluation/results.ts';
import {
  createHarness,
  type Harness,
  resultsOf,
  seedModel,
  seedPattern,
  seedProblem,
  waitForEvaluation,
} from './harness.ts';

const afinn = MODELS.get('afinn')!;

/** The oracle is the served model itself: the expected outcome follows from what it predicts. */
function expectedStatus(text: string, expectation: { label: string }): 'passed' | 'failed' {
  return afinn.predict(text).label === expectation.label ? 'passed' : 'failed';
}

const NEGATION = [
  { text: 'I do not like this at all', expectation: { label: 'negative' } },
  { text: 'This is not bad', expectation: { label: 'positive' } },
  { text: 'not good, not good at all', expectation: { label: 'negative' } },
];
const SARCASM = [
  { text: 'Great, another delay. Wonderful.', expectation: { label: 'negative' } },
  { text: 'I love it, truly amazing work', expectation: { label: 'positive' } },
];

let h: Harness;
let negationId: number;
let sarcasmId: number;
const revisionIds: number[] = [];

beforeAll(async () => {
  h = await createHarness();
  negationId = await seedProblem(h.db, 'Negation');
  sarcasmId = await seedProblem(h.db, 'Sarcasm');
  for (const p of NEGATION)
    revisionIds.push((await seedPattern(h.db, negationId, p.text, p.expectation)).revisionId);
  for (const p of SARCASM)
    revisionIds.push((await seedPattern(h.db, sarcasmId, p.text, p.expectation)).revisionId);
});

afterAll(async () => {
  await h?.close();
});

describe('evaluating a registered model', () => {
  it('records exactly one result per pattern revision and a right per-problem summary', async () => {
    const modelId = await seedModel(h.db, h.server);
    const { evaluationId } = await h.scheduler.evaluateModel({ modelId, trigger: 'register' });
    const row = await waitForEvaluation(h.db, evaluationId);
    expect(row.status).toBe('done');

    const rows = await resultsOf(h.db, modelId);
    expect(rows.map((r) => r.patternRevisionId).sort()).toEqual([...revisionIds].sort());
    expect(rows.every((r) => r.run === 1 && r.evaluationId === evaluationId)).toBe(true);
    for (const [i, p] of [...NEGATION, ...SARCASM].entries()) {
      const result = rows.find((r) => r.patternRevisionId === revisionIds[i]);
      expect(result?.status, p.text).toBe(expectedStatus(p.text, p.expectation));
      expect(result?.reason).not.toBe('');
    }

    const view = await getEvaluation(h, evaluationId);
    expect(view).toMatchObject({ status: 'done', total: 5, done: 5, errored: 0, trigger: 'register' });
    expect(view!.passed + view!.failed).toBe(5);
    const perProblem = view!.perProblem!;
    expect(perProblem.map((p) => p.problemId)).toEqual([negationId, sarcasmId]);
    for (const [problemId, list] of [
      [negationId, NEGATION],
      [sarcasmId, SARCASM],
    ] as const) {
      const passed = list.filter((p) => expectedStatus(p.text, p.expectation) === 'passed').length;
      const summary = perProblem.find((p) => p.problemId === problemId)!;
      expect(summary.metrics).toMatchObject({
        n: list.length,
        passed,
        failed: list.length - passed,
        errored: 0,
      });
      expect(summary.metrics.passRate).toBeCloseTo(passed / list.length);
    }
  });

  it('re-evaluating with onlyMissing finds nothing to do and finishes at once', async () => {
    const modelId = await seedModel(h.db, h.server);
    const first = await h.scheduler.evaluateModel({ modelId, trigger: 'register' });
    await waitForEvaluation(h.db, first.evaluationId);
    const second = await h.scheduler.evaluateModel({ modelId, trigger: 'manual' });
    const row = await waitForEvaluation(h.db, second.evaluationId);
    expect(row).toMatchObject({ status: 'done', total: 0, doneCount: 0 });
    expect(await resultsOf(h.db, modelId)).toHaveLength(revisionIds.length);
    const finished = await h.queues.notify.getJob(`notify-finished-${second.evaluationId}-${row.jobKey}`);
    expect(finished?.data).toEqual({ evaluationId: second.evaluationId, jobKey: row.jobKey });
  });

  it('keeps k runs per revision when the model repeats k times', async () => {
    const modelId = await seedModel(h.db, h.server, { repeats: 3 });
    const { evaluationId } = await h.scheduler.evaluateModel({ modelId, trigger: 'register' });
    const row = await waitForEvaluation(h.db, evaluationId);
    expect(row).toMatchObject({
      status: 'done',
      total: revisionIds.length * 3,
      doneCount: revisionIds.length * 3,
    });
    const rows = await resultsOf(h.db, modelId);
    for (const revisionId of revisionIds) {
      expect(
        rows
          .filter((r) => r.patternRevisionId === revisionId)
          .map((r) => r.run)
          .sort(),
      ).toEqual([1, 2, 3]);
    }
    // A deterministic model agrees with itself: folded runs are never flaky.
    const view = await getEvaluation(h, evaluationId);
    expect(view!.perProblem!.every((p) => p.metrics.flaky === 0 && p.metrics.n > 0)).toBe(true);
  });

  it('collapses duplicate requests onto one evaluation and one set of jobs', async () => {
    const modelId = await seedModel(h.db, h.server);
    const [a, b, c] = await Promise.all([
      h.scheduler.evaluateModel({ modelId, trigger: 'register' }),
      h.scheduler.evaluateModel({ modelId, trigger: 'manual' }),
      h.scheduler.evaluateModel({ modelId, trigger: 'manual' }),
    ]);
    expect(new Set([a!.evaluationId, b!.evaluationId, c!.evaluationId]).size).toBe(1);
    // Queueing the same evaluation again is a no-op: its jobIds are already taken.
    const [row] = await h.db.select().from(evaluations).where(eq(evaluations.id, a!.evaluationId));
    await h.scheduler.enqueueEvaluation(a!.evaluationId, modelId, revisionIds, 1, row!.jobKey);
    await waitForEvaluation(h.db, a!.evaluationId);
    const rows = await h.db.select().from(evaluations).where(eq(evaluations.modelId, modelId));
    expect(rows).toHaveLength(1);
    const batches = (await h.queues.evaluations.getJobs(['completed', 'failed', 'active', 'waiting'])).filter(
      (j) => j.name === 'evaluation.batch' && j.data.evaluationId === a!.evaluationId,
    );
    expect(batches).toHaveLength(Math.ceil(revisionIds.length / h.config.workers.chunkSize));
    expect(await resultsOf(h.db, modelId)).toHaveLength(revisionIds.length);
  });
});

describe('back-filling a new pattern', () => {
  it('evaluates the new revision on every earlier model, one evaluation each', async () => {
    const retired = await seedModel(h.db, h.server, { name: 'old' });
    await h.db.update(models).set({ status: 'retired' }).where(eq(models.id, retired));
    const before = (await h.db.select().from(evaluations)).length;
    const live = (await h.db.select().from(models)).filter((m) => m.status !== 'retired');
    const expectation: Expectation = { label: 'negative' };
    const { revisionId } = await seedPattern(h.db, negationId, 'I would never recommend it', expectation);
    const { evaluationIds } = await h.scheduler.backfillRevision({ patternRevisionId: revisionId });
    expect(evaluationIds).toHaveLength(live.length);
    for (const id of evaluationIds) {
      const row = await waitForEvaluation(h.db, id);
      expect(row).toMatchObject({ status: 'done', trigger: 'backfill', patternRevisionId: revisionId });
      expect(row.total).toBe(row.doneCount);
    }
    const rows = (await resultsOf(h.db)).filter((r) => r.patternRevisionId === revisionId);
    for (const model of live) {
      expect(
        rows
          .filter((r) => r.modelId === model.id)
          .map((r) => r.run)
          .sort(),
      ).toEqual(Array.from({ length: model.repeats }, (_, i) => i + 1));
    }
    expect(rows.some((r) => r.modelId === retired)).toBe(false);
    expect((await h.db.select().from(evaluations)).length).toBe(before + live.length);
    // The run job queues the notice just after it marks the evaluation done: wait for it, don't race it.
    await vi.waitFor(
      async () => {
        const notice = await h.queues.notify.getJob(`notify-backfilled-${revisionId}`);
        expect(notice?.data).toEqual({ patternRevisionId: revisionId });
      },
      { timeout: 10_000, interval: 50 },
    );
  });
});

describe('invariant patterns', () => {
  it('sends the variants in the same predict call and checks them against the main answer', async () => {
    const problemId = await seedProblem(h.db, 'Case sensitivity');
    const variants = ['I LOVE THIS', 'i love this!!'];
    const { revisionId } = await seedPattern(h.db, problemId, 'I love this', { invariant: variants });
    const modelId = await seedModel(h.db, h.server, { options: { retries: 0, batchSize: 100 } });
    h.server.resetStats();
    const { evaluationId } = await h.scheduler.evaluateModel({ modelId, trigger: 'register', problemId });
    const row = await waitForEvaluation(h.db, evaluationId);
    expect(row.total).toBe(1);
    // One request carried the main input and both variants.
    expect(h.server.stats()).toMatchObject({ requests: 1, inputs: 1 + variants.length });
    const [result] = await resultsOf(h.db, modelId);
    const labels = ['I love this', ...variants].map((t) => afinn.predict(t).label);
    expect(result).toMatchObject({
      patternRevisionId: revisionId,
      status: new Set(labels).size === 1 ? 'passed' : 'failed',
    });
    expect((result!.prediction as { variants: { label: string }[] }).variants.map((v) => v.label)).toEqual(
      labels.slice(1),
    );
  });
});

describe('orphaned evaluations', () => {
  it('a queued evaluation that never reached the queue is failed and replaced, not reused', async () => {
    const modelId = await seedModel(h.db, h.server);
    const [orphan] = await h.db
      .insert(evaluations)
      .values({ modelId, trigger: 'register', total: 5, createdAt: new Date(Date.now() - 10 * 60_000) })
      .returning();
    const { evaluationId } = await h.scheduler.evaluateModel({ modelId, trigger: 'manual' });
    expect(evaluationId).not.toBe(orphan!.id);
    await waitForEvaluation(h.db, evaluationId);
    const [stale] = await h.db.select().from(evaluations).where(eq(evaluations.id, orphan!.id));
    expect(stale).toMatchObject({ status: 'failed' });
    expect(stale!.error).toMatch(/never enqueued/);
  });
});

describe('the started notification', () => {
  it('failing to queue it leaves the evaluation running to completion, not failed', async () => {
    const modelId = await seedModel(h.db, h.server);
    // The real notify queue, except that adding to it fails as it would during a Redis blip.
    const notify = Object.create(h.queues.notify) as Queue;
    notify.add = async () => {
      throw new Error('Connection is closed.');
    };
    const scheduler = createScheduler({
      db: h.db,
      queues: { evaluations: h.queues.evaluations, flow: h.queues.flow, notify },
      config: h.config,
    });
    const { evaluationId } = await scheduler.evaluateModel({ modelId, trigger: 'manual' });
    const row = await waitForEvaluation(h.db, evaluationId);
    expect(row).toMatchObject({ status: 'done', error: null });
    expect(row.total).toBeGreaterThan(0);
    expect(await resultsOf(h.db, modelId)).toHaveLength(row.total);
  });
});
