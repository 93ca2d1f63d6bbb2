import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Expectation } from '../../src/core/expectations/handler.ts';
import { countGraderCalls } from '../../src/db/queries/grader-calls.ts';
import { evaluations, models } from '../../src/db/schema.ts';
import { getEvaluation } from '../../src/services/evaluation/results.ts';
import {
  createHarness,
  type Harness,
  resultsOf,
  seedPattern,
  seedProblem,
  waitForEvaluation,
} from './harness.ts';

/** Each pattern with what v1 and v2 of the bundled support bot must get (their flaws are documented in support-bot.ts). */
const PATTERNS: { input: string; expectation: Expectation; v1: string; v2: string }[] = [
  {
    input: 'This is the worst service, I am angry',
    expectation: { judge: { grader: 'toxicity@1', label: 'non_toxic' } },
    v1: 'failed',
    v2: 'passed',
  },
  {
    input: 'I forgot my password',
    expectation: { judge: { grader: 'judge@1', rubric: 'The reply shows no internal URL.' } },
    v1: 'failed',
    v2: 'passed',
  },
  {
    input: 'My package arrived damaged, I want my money back',
    expectation: { judge: { grader: 'judge@1', rubric: 'The reply apologises and offers a refund.' } },
    v1: 'failed',
    v2: 'failed',
  },
  {
    input: 'Reply in JSON: where is my order',
    expectation: {
      json_schema: {
        type: 'object',
        required: ['reply', 'ticket'],
        properties: { ticket: { type: 'integer' } },
      },
    },
    v1: 'failed',
    v2: 'passed',
  },
  {
    input: 'Where is my order?',
    expectation: {
      similar: {
        to: 'Your order is on its way; you will get a tracking link by email.',
        min: 0.8,
        embedder: 'emb@1',
      },
    },
    v1: 'passed',
    v2: 'passed',
  },
  {
    // The bundled judge knows no rule for this rubric and answers in prose: errored, never failed.
    input: 'Hello there',
    expectation: { judge: { grader: 'judge@1', rubric: 'Be nice.' } },
    v1: 'errored',
    v2: 'errored',
  },
  { input: 'Hello again', expectation: { length: { max: 20, unit: 'words' } }, v1: 'passed', v2: 'passed' },
];

/** The stored prediction of a generative result, as far as these tests read it. */
type Stored = {
  text?: string;
  usage?: { completionTokens: number };
  grading?: { by: string; answer?: { label?: string; text?: string } };
};

let h: Harness;
let problemId: number;
const revisions: number[] = [];

async function addModel(
  name: string,
  version: string,
  adapter: string,
  url: string,
  options: Record<string, unknown>,
  role: 'candidate' | 'grader' | 'embedder',
): Promise<number> {
  const [row] = await h.db
    .insert(models)
    .values({ name, version, adapter, url, endpointOptions: { retries: 0, ...options }, role })
    .returning({ id: models.id });
  return row!.id;
}

const price = { promptPerMTok: 0.15, completionPerMTok: 0.6 };
let v1: number;
let v2: number;

beforeAll(async () => {
  h = await createHarness();
  problemId = await seedProblem(h.db, 'Support bot misbehaves');
  for (const p of PATTERNS)
    revisions.push((await seedPattern(h.db, problemId, p.input, p.expectation)).revisionId);
  await addModel('toxicity', '1', 'kserve-v2', `${h.server.url}/v2/models/toxicity/infer`, {}, 'grader');
  await addModel('judge', '1', 'openai', `${h.server.url}/v1`, { model: 'rubric-judge', price }, 'grader');
  await addModel('emb', '1', 'openai-embeddings', `${h.server.url}/v1`, { model: 'hash-bow' }, 'embedder');
  v1 = await addModel(
    'bot',
    'v1',
    'openai',
    `${h.server.url}/v1`,
    { model: 'support-bot-v1', price },
    'candidate',
  );
  v2 = await addModel(
    'bot',
    'v2',
    'openai',
    `${h.server.url}/v1`,
    { model: 'support-bot-v2', price },
    'candidate',
  );
});

afterAll(async () => {
  await h?.close();
});

async function evaluate(modelId: number, onlyMissing = true) {
  const { evaluationId } = await h.scheduler.evaluateModel({ modelId, trigger: 'manual', onlyMissing });
  const row = await waitForEvaluation(h.db, evaluationId);
  expect(row.status).toBe('done');
  return evaluationId;
}

describe('generative models graded by other models', () => {
  let firstId: number;
  it('grades text outputs with a classifier, a rubric judge, embeddings, a schema and a length', async () => {
    firstId = await evaluate(v1);
    await evaluate(v2);
    for (const [version, modelId] of [
      ['v1', v1],
      ['v2', v2],
    ] as const) {
      const rows = await resultsOf(h.db, modelId);
      const byRevision = new Map(rows.map((r) => [r.patternRevisionId, r]));
      const got = revisions.map((id) => byRevision.get(id)?.status);
      expect(got, version).toEqual(PATTERNS.map((p) => p[version]));
    }
    const rows = await resultsOf(h.db, v1);
    const toxic = rows.find((r) => r.patternRevisionId === revisions[0])!;
    const prediction = toxic.prediction as Stored;
    expect(prediction['text']).toBe('That is not my problem. Read the manual.');
    expect(prediction['grading']).toMatchObject({ by: 'toxicity@1', answer: { label: 'toxic' } });
    expect(toxic.reason).toContain('toxicity@1 said "toxic"');
    const leaked = rows.find((r) => r.patternRevisionId === revisions[1])!;
    expect(leaked.reason).toContain('internal URL');
    expect((leaked.prediction as Stored).grading?.answer?.text).toContain('"pass":false');
    const prose = rows.find((r) => r.patternRevisionId === revisions[5])!;
    expect(prose.reason).toContain('not JSON');
  });

  it('pays each grader once per distinct text, and evaluates no grader as a candidate', async () => {
    const calls = h.server.stats().byModel;
    // toxicity: v1 and v2 answer the complaint differently (2); judge: password replies differ (2), the refund
    // reply and the "Be nice" reply are the same for both versions (1 + 1); embeddings: one batch for v1, v2 cached.
    expect(calls['toxicity']).toBe(2);
    expect(calls['rubric-judge']).toBe(4);
    expect(calls['hash-bow']).toBe(1);
    expect(await countGraderCalls(h.db)).toBe(2 + 4 + 2);
    const evaluated = await h.db.select({ modelId: evaluations.modelId }).from(evaluations);
    expect(new Set(evaluated.map((e) => e.modelId))).toEqual(new Set([v1, v2]));
  });

  it('re-running an evaluation reads every grader answer from the cache', async () => {
    const before = h.server.stats().byModel;
    const rerun = await evaluate(v1, false);
    const after = h.server.stats().byModel;
    expect(after['support-bot-v1']).toBe((before['support-bot-v1'] ?? 0) + PATTERNS.length);
    for (const grader of ['toxicity', 'rubric-judge', 'hash-bow']) expect(after[grader]).toBe(before[grader]);
    const view = await getEvaluation(h, rerun);
    expect(view!.cost.graders.every((g) => g.requests === 0 && g.cachedResults === g.results)).toBe(true);
  });

  it('reports what the candidate and each grader cost', async () => {
    const view = await getEvaluation(h, firstId);
    const rows = (await resultsOf(h.db, v1)).filter((r) => r.evaluationId !== null);
    expect(rows.length).toBe(PATTERNS.length);
    const cost = view!.cost;
    // The first evaluation's rows were overwritten by the re-run; totals are of the rows it still owns.
    const rerunView = await getEvaluation(h, rows[0]!.evaluationId!);
    const c = rerunView!.cost.candidate;
    expect(c.requests).toBe(PATTERNS.length);
    const tokens = rows.reduce(
      (n, r) => n + ((r.prediction as Stored | null)?.usage?.completionTokens ?? 0),
      0,
    );
    expect(c.completionTokens).toBe(tokens);
    expect(c.usd).toBeCloseTo((c.promptTokens * 0.15 + c.completionTokens * 0.6) / 1e6, 9);
    expect(cost.candidate.requests).toBe(0);
  });

  it('marks results of a grader that is gone as errored with the reason', async () => {
    const [row] = await h.db.select().from(models).where(eq(models.name, 'toxicity'));
    await h.db.update(models).set({ version: '0' }).where(eq(models.id, row!.id));
    await evaluate(v2, false);
    const result = (await resultsOf(h.db, v2)).find((r) => r.patternRevisionId === revisions[0])!;
    expect(result.status).toBe('errored');
    expect(result.reason).toContain('no model toxicity@1; register it first');
  });
});
