import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Expectation } from '../../src/core/expectations/handler.ts';
import { MODELS } from '../../src/modelserver/index.ts';
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

/** CheckList DIR cases; the served model itself is the oracle for which way its score moves. */
const CASES: { input: string; expectation: Expectation }[] = [
  {
    input: 'Good, great, amazing food',
    expectation: { direction: { from: 'The food was good', score: 'up' } },
  },
  {
    input: 'The food was good',
    expectation: { direction: { from: 'Good, great, amazing food', score: 'up' } },
  },
  {
    input: 'The food was good',
    expectation: { direction: { from: 'Good, great, amazing food', score: 'down' } },
  },
];

function expected(c: (typeof CASES)[number]): 'passed' | 'failed' {
  const { from, score } = (c.expectation as { direction: { from: string; score: 'up' | 'down' } }).direction;
  const now = afinn.predict(c.input).score as number;
  const before = afinn.predict(from).score as number;
  return (score === 'up' ? now > before : now < before) ? 'passed' : 'failed';
}

let h: Harness;
const revisions: number[] = [];

beforeAll(async () => {
  h = await createHarness();
  const problemId = await seedProblem(h.db, 'Intensity is ignored');
  for (const c of CASES)
    revisions.push((await seedPattern(h.db, problemId, c.input, c.expectation)).revisionId);
});

afterAll(async () => {
  await h?.close();
});

describe('the direction expectation through the queue', () => {
  it('runs the original as a variant in the same predict call and compares the two scores', async () => {
    expect(CASES.map(expected)).toEqual(['passed', 'failed', 'passed']);
    const modelId = await seedModel(h.db, h.server);
    const { evaluationId } = await h.scheduler.evaluateModel({ modelId, trigger: 'register' });
    expect((await waitForEvaluation(h.db, evaluationId)).status).toBe('done');
    const rows = await resultsOf(h.db, modelId);
    for (const [i, c] of CASES.entries()) {
      const row = rows.find((r) => r.patternRevisionId === revisions[i]);
      expect(row?.status, `${c.input}: ${row?.reason}`).toBe(expected(c));
      expect(row?.reason).toMatch(/^score (rose|fell|stayed) from -?[\d.]+ to -?[\d.]+/);
    }
  });
});
