import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordBatchCounted } from '../../src/db/queries/batch-results.ts';
import { getEvaluationRow } from '../../src/db/queries/evaluations.ts';
import { recordMissingResults } from '../../src/db/queries/results.ts';
import { type ModelServer, startModelServer } from '../../src/modelserver/index.ts';
import { createEvaluationEvents } from '../../src/services/evaluation/events.ts';
import { failEvaluation, markEvaluationFailed } from '../../src/services/evaluation/fail.ts';
import { finalizeEvaluation } from '../../src/services/evaluation/finish.ts';
import {
  createEvaluation,
  getEvaluation,
  type NewResult,
  recordBatchResults,
  recordResults,
  refreshEvaluationCounts,
} from '../../src/services/evaluation/results.ts';
import { resultsOf, seedModel, seedPattern, seedProblem } from '../queue/harness.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

let database: TestDatabase;
let server: ModelServer;
let problemId: number;
const revisions: { patternId: number; revisionId: number }[] = [];
const clock = { now: () => new Date('2026-11-26T10:00:00Z') };

beforeAll(async () => {
  database = await createTestDatabase();
  // Models need an endpoint URL; nothing is called in this file.
  server = await startModelServer({ port: 0 });
  problemId = await seedProblem(database.db, 'Counting');
  for (const text of ['a', 'b', 'c'])
    revisions.push(await seedPattern(database.db, problemId, text, { label: 'positive' }));
});

afterAll(async () => {
  await server?.close();
  await database?.drop();
});

function row(
  modelId: number,
  evaluationId: number,
  i: number,
  status: NewResult['status'],
  run = 1,
): NewResult {
  const r = revisions[i]!;
  return {
    modelId,
    evaluationId,
    patternRevisionId: r.revisionId,
    patternId: r.patternId,
    problemId,
    run,
    status,
    reason: `${status} on purpose`,
    attempts: 1,
    latencyMs: 5,
  };
}

describe('batch counts move by delta', () => {
  it('a retried batch swaps statuses instead of counting its keys again', async () => {
    const db = database.db;
    const modelId = await seedModel(db, server);
    const evaluation = await createEvaluation(db, { modelId, trigger: 'manual', total: 3 });
    const batch = { evaluationId: evaluation.id, modelId };
    const first = await recordBatchResults(db, batch, [
      row(modelId, evaluation.id, 0, 'passed'),
      row(modelId, evaluation.id, 1, 'errored'),
    ]);
    expect(first).toMatchObject({ doneCount: 2, passed: 1, failed: 0, errored: 1 });
    const retried = await recordBatchResults(db, batch, [
      row(modelId, evaluation.id, 0, 'passed'),
      row(modelId, evaluation.id, 1, 'failed'),
    ]);
    expect(retried).toMatchObject({ doneCount: 2, passed: 1, failed: 1, errored: 0 });
    expect(await resultsOf(db, modelId)).toHaveLength(2);
    expect(await refreshEvaluationCounts(db, evaluation.id)).toMatchObject({
      doneCount: 2,
      passed: 1,
      failed: 1,
      errored: 0,
    });
  });

  it('a key an earlier evaluation recorded counts as done for this one', async () => {
    const db = database.db;
    const modelId = await seedModel(db, server);
    const earlier = await createEvaluation(db, { modelId, trigger: 'manual', total: 1 });
    await recordBatchResults(db, { evaluationId: earlier.id, modelId }, [
      row(modelId, earlier.id, 0, 'errored'),
    ]);
    const later = await createEvaluation(db, { modelId, trigger: 'manual', total: 2 });
    const counted = await recordBatchResults(db, { evaluationId: later.id, modelId }, [
      row(modelId, later.id, 0, 'passed'),
      row(modelId, later.id, 1, 'passed'),
    ]);
    expect(counted).toMatchObject({ doneCount: 2, passed: 2, errored: 0 });
    expect(await refreshEvaluationCounts(db, later.id)).toMatchObject({ doneCount: 2, passed: 2 });
  });

  it('concurrent batches of one evaluation all land in the counts', async () => {
    const db = database.db;
    const modelId = await seedModel(db, server, { repeats: 2 });
    const evaluation = await createEvaluation(db, { modelId, trigger: 'manual', total: 6 });
    const batch = { evaluationId: evaluation.id, modelId };
    await Promise.all(
      [0, 1, 2].map((i) =>
        recordBatchResults(db, batch, [
          row(modelId, evaluation.id, i, 'passed', 1),
          row(modelId, evaluation.id, i, 'failed', 2),
        ]),
      ),
    );
    expect(await getEvaluationRow(db, evaluation.id)).toMatchObject({ doneCount: 6, passed: 3, failed: 3 });
  });
});

describe('one statement per batch', () => {
  it('writes the rows and moves the counts by the same delta as a retried batch needs', async () => {
    const db = database.db;
    const modelId = await seedModel(db, server);
    const evaluation = await createEvaluation(db, { modelId, trigger: 'manual', total: 3 });
    const batch = { evaluationId: evaluation.id, modelId };
    const first = await recordBatchCounted(db, batch, [
      row(modelId, evaluation.id, 0, 'passed'),
      row(modelId, evaluation.id, 1, 'errored'),
    ]);
    expect(first).toEqual({ id: evaluation.id, total: 3, doneCount: 2, passed: 1, failed: 0, errored: 1 });
    const retried = await recordBatchCounted(db, batch, [
      row(modelId, evaluation.id, 1, 'failed'),
      row(modelId, evaluation.id, 2, 'passed'),
    ]);
    expect(retried).toMatchObject({ doneCount: 3, passed: 2, failed: 1, errored: 0 });
    expect(await refreshEvaluationCounts(db, evaluation.id)).toMatchObject({
      doneCount: 3,
      passed: 2,
      failed: 1,
      errored: 0,
    });
  });

  it('writes nothing when Postgres refuses one row, and the batch then lands row by row', async () => {
    const db = database.db;
    const modelId = await seedModel(db, server);
    const evaluation = await createEvaluation(db, { modelId, trigger: 'manual', total: 2 });
    const batch = { evaluationId: evaluation.id, modelId };
    // A latency past Postgres' integer range: nothing in the batch checks for it, the column refuses it.
    const rows = [
      row(modelId, evaluation.id, 0, 'passed'),
      { ...row(modelId, evaluation.id, 1, 'passed'), latencyMs: 2 ** 40 },
    ];
    await expect(recordBatchCounted(db, batch, rows)).rejects.toThrow();
    expect(await resultsOf(db, modelId)).toHaveLength(0);
    expect(await getEvaluationRow(db, evaluation.id)).toMatchObject({ doneCount: 0 });
    const counted = await recordBatchResults(db, batch, rows);
    expect(counted).toMatchObject({ doneCount: 2, passed: 1, errored: 1 });
    const stored = await resultsOf(db, modelId);
    expect(stored.map((r) => r.status).sort()).toEqual(['errored', 'passed']);
  });
});

describe('evaluation records', () => {
  it('recording the same batch twice keeps one row per (model, revision, run) and counts once', async () => {
    const db = database.db;
    const modelId = await seedModel(db, server);
    const evaluation = await createEvaluation(db, { modelId, trigger: 'manual', total: 3 });
    const batch = [row(modelId, evaluation.id, 0, 'passed'), row(modelId, evaluation.id, 1, 'failed')];
    await recordResults(db, batch);
    await recordResults(db, batch);
    const counted = await refreshEvaluationCounts(db, evaluation.id);
    expect(counted).toMatchObject({ doneCount: 2, passed: 1, failed: 1, errored: 0 });
    expect(await resultsOf(db, modelId)).toHaveLength(2);
    // A retry whose answer changed overwrites the earlier one.
    await recordResults(db, [row(modelId, evaluation.id, 1, 'passed')]);
    expect(await refreshEvaluationCounts(db, evaluation.id)).toMatchObject({
      doneCount: 2,
      passed: 2,
      failed: 0,
    });
  });

  it('gap placeholders never replace a real answer', async () => {
    const db = database.db;
    const modelId = await seedModel(db, server);
    const evaluation = await createEvaluation(db, { modelId, trigger: 'manual', total: 2 });
    await recordResults(db, [row(modelId, evaluation.id, 0, 'passed')]);
    const filled = await recordMissingResults(db, [
      row(modelId, evaluation.id, 0, 'errored'),
      row(modelId, evaluation.id, 1, 'errored'),
    ]);
    expect(filled).toBe(1);
    const rows = await resultsOf(db, modelId);
    expect(rows.map((r) => r.status).sort()).toEqual(['errored', 'passed']);
  });

  it('finalize is idempotent: a second run changes nothing', async () => {
    const db = database.db;
    const modelId = await seedModel(db, server, { repeats: 2 });
    const evaluation = await createEvaluation(db, {
      modelId,
      trigger: 'register',
      total: 6,
      requestedBy: 'U1',
    });
    await recordResults(db, [
      row(modelId, evaluation.id, 0, 'passed', 1),
      row(modelId, evaluation.id, 0, 'passed', 2),
      row(modelId, evaluation.id, 1, 'passed', 1),
      row(modelId, evaluation.id, 1, 'failed', 2),
      row(modelId, evaluation.id, 2, 'errored', 1),
      row(modelId, evaluation.id, 2, 'errored', 2),
    ]);
    const first = await finalizeEvaluation({ db, ...clock }, evaluation.id);
    expect(first.finishedNow).toBe(true);
    expect(first.evaluation).toMatchObject({
      status: 'done',
      doneCount: 6,
      passed: 3,
      failed: 1,
      errored: 2,
    });
    const later = { db, now: () => new Date('2026-11-27T10:00:00Z') };
    const second = await finalizeEvaluation(later, evaluation.id);
    expect(second.finishedNow).toBe(false);
    expect(await getEvaluationRow(db, evaluation.id)).toEqual(first.evaluation);

    const view = await getEvaluation({ db }, evaluation.id);
    expect(view).toMatchObject({
      status: 'done',
      total: 6,
      done: 6,
      requestedBy: 'U1',
      finishedAt: clock.now(),
    });
    // Folded per revision: one all-pass, one flaky (runs disagree), one all-errored.
    expect(view!.perProblem).toEqual([
      expect.objectContaining({
        problemId,
        metrics: expect.objectContaining({ n: 1, passed: 1, failed: 0, flaky: 1, errored: 1, passRate: 1 }),
      }),
    ]);
  });

  it('a failed evaluation keeps its error and is not finalized afterwards', async () => {
    const db = database.db;
    const modelId = await seedModel(db, server);
    const evaluation = await createEvaluation(db, { modelId, trigger: 'manual', total: 1 });
    await markEvaluationFailed({ db, ...clock }, evaluation.id, 'could not be queued: redis down');
    const after = await finalizeEvaluation({ db, ...clock }, evaluation.id);
    expect(after.finishedNow).toBe(false);
    const view = await getEvaluation({ db }, evaluation.id);
    expect(view).toMatchObject({
      status: 'failed',
      error: 'could not be queued: redis down',
      perProblem: null,
    });
  });

  it('a run that failed for good fails its evaluation and announces it once; a finished one is left alone', async () => {
    const db = database.db;
    const modelId = await seedModel(db, server);
    const evaluation = await createEvaluation(db, { modelId, trigger: 'manual', total: 1 });
    const sent: { name: string; payload: unknown }[] = [];
    const queue = {
      async notify(name: string, payload: unknown) {
        sent.push({ name, payload });
      },
    };
    const finished: unknown[] = [];
    const events = createEvaluationEvents();
    events.on('evaluation.finished', (e) => finished.push(e));
    const deps = { db, queue, events, ...clock };

    const failed = await failEvaluation(deps, evaluation.id, 'database unreachable');
    expect(failed).toMatchObject({ status: 'failed', error: 'run failed: database unreachable' });
    expect(sent).toEqual([
      {
        name: 'notify.evaluation-finished',
        payload: { evaluationId: evaluation.id, jobKey: evaluation.jobKey },
      },
    ]);
    expect(finished).toEqual([expect.objectContaining({ evaluationId: evaluation.id, status: 'failed' })]);

    // Heard twice (two workers, a repeated event): the evaluation is already failed, nothing more goes out.
    expect(await failEvaluation(deps, evaluation.id, 'again')).toBeNull();
    expect(sent).toHaveLength(1);
    expect((await getEvaluation({ db }, evaluation.id))?.error).toBe('run failed: database unreachable');
  });

  it('an unknown evaluation is null', async () => {
    expect(await getEvaluation({ db: database.db }, 999_999)).toBeNull();
  });
});
