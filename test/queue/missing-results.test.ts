import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NewResult, recordMissingResults, recordResults } from '../../src/db/queries/results.ts';
import { results } from '../../src/db/schema.ts';
import { type ModelServer, startModelServer } from '../../src/modelserver/index.ts';
import { createEvaluation } from '../../src/services/evaluation/results.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { resultsOf, seedModel, seedPattern, seedProblem } from './harness.ts';

let database: TestDatabase;
let server: ModelServer;

beforeAll(async () => {
  database = await createTestDatabase();
  // Models need an endpoint URL; nothing is called in this file.
  server = await startModelServer({ port: 0 });
});

afterAll(async () => {
  await server?.close();
  await database?.drop();
});

describe('recording the gaps of a failed batch', () => {
  it('fills more rows than one statement can carry parameters for (> 65,535 / 12)', async () => {
    const db = database.db;
    const problemId = await seedProblem(db, 'Many runs');
    const revisions = [
      await seedPattern(db, problemId, 'one', { label: 'positive' }),
      await seedPattern(db, problemId, 'two', { label: 'negative' }),
    ];
    const runs = 3_100;
    const modelId = await seedModel(db, server, { repeats: runs });
    const older = await createEvaluation(db, { modelId, trigger: 'manual', total: 1 });
    const evaluation = await createEvaluation(db, { modelId, trigger: 'manual', total: 2 * runs });
    const row = (i: number, run: number, status: NewResult['status'], evaluationId: number): NewResult => ({
      modelId,
      evaluationId,
      patternRevisionId: revisions[i]!.revisionId,
      patternId: revisions[i]!.patternId,
      problemId,
      run,
      status,
      reason: status,
      attempts: 1,
    });
    await recordResults(db, [row(0, 1, 'passed', evaluation.id), row(1, 5, 'errored', older.id)]);

    const gaps: NewResult[] = [];
    for (const i of [0, 1])
      for (let run = 1; run <= runs; run++) gaps.push(row(i, run, 'errored', evaluation.id));
    expect(gaps.length).toBeGreaterThan(6_000);

    // Every gap but the real answer: the older errored row is taken over, not duplicated.
    expect(await recordMissingResults(db, gaps)).toBe(gaps.length - 1);
    const rows = await resultsOf(db, modelId);
    expect(rows).toHaveLength(gaps.length);
    expect(rows.filter((r) => r.status === 'passed')).toHaveLength(1);
    const [takenOver] = await db
      .select()
      .from(results)
      .where(and(eq(results.patternRevisionId, revisions[1]!.revisionId), eq(results.run, 5)));
    expect(takenOver).toMatchObject({ evaluationId: evaluation.id, status: 'errored' });
  });
});
