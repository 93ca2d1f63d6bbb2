import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listModels, registerModel } from '../../src/services/models.ts';
import { addPatterns } from '../../src/services/patterns.ts';
import { createProblem } from '../../src/services/problems.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { makeDeps } from './helpers.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

const openai = { adapter: 'openai', url: 'http://127.0.0.1:9/v1', model: 'rubric-judge' };
const draft = (problem: string, expectation: unknown) => ({
  problem,
  input: 'I want a refund',
  expectation: expectation as never,
  polarity: 'positive' as const,
  source: 'contrived' as const,
  notes: '',
});

describe('graders and embedders are registered models, not candidates', () => {
  it('registers a grader without evaluating it, and keeps it out of candidate lists', async () => {
    const deps = makeDeps(database.db, { limits: { endpointAllowlist: ['127.0.0.1'] } });
    const grader = await registerModel(deps, {
      name: 'judge',
      version: '1',
      role: 'grader',
      endpoint: openai,
    });
    expect(grader.evaluationId).toBeNull();
    expect(grader.warning).toBeUndefined();
    expect(grader.model.role).toBe('grader');
    expect(deps.scheduler.evaluations).toHaveLength(0);
    const asked = await registerModel(deps, {
      name: 'judge',
      version: '2',
      role: 'grader',
      evaluate: true,
      endpoint: openai,
    });
    expect(asked.evaluationId).not.toBeNull();
    const candidate = await registerModel(deps, { name: 'bot', version: '1', endpoint: openai });
    expect((await listModels(deps)).map((m) => m.id)).toEqual([candidate.model.id]);
  });

  it('refuses an embedder that is not served over openai-embeddings', async () => {
    const deps = makeDeps(database.db, { limits: { endpointAllowlist: ['127.0.0.1'] } });
    await expect(
      registerModel(deps, { name: 'emb', version: 'x', role: 'embedder', endpoint: openai }),
    ).rejects.toThrow('openai-embeddings');
  });

  it.each([
    [{ judge: { grader: 'nobody@1', label: 'ok' } }, 'no model nobody@1; register it first.'],
    [{ similar: { to: 'x', min: 0.5, embedder: 'judge@1' } }, 'judge@1 is not an embeddings model'],
    [{ judge: { grader: 'tox@1', rubric: 'r' } }, 'tox@1 cannot grade a rubric'],
  ])('refuses a pattern with %j: %s', async (expectation, message) => {
    const deps = makeDeps(database.db, { limits: { endpointAllowlist: ['127.0.0.1'] } });
    await registerModel(deps, {
      name: 'tox',
      version: '1',
      role: 'grader',
      endpoint: { adapter: 'kserve-v2', url: 'http://127.0.0.1:9/v2/models/toxicity/infer' },
    }).catch(() => {});
    const problem = await createProblem(deps, { title: `Graded ${message.slice(0, 12)}` });
    await expect(addPatterns(deps, [draft(problem.key, expectation)])).rejects.toThrow(message);
  });

  it('accepts a pattern whose grader is registered', async () => {
    const deps = makeDeps(database.db, { limits: { endpointAllowlist: ['127.0.0.1'] } });
    const problem = await createProblem(deps, { title: 'Refunds' });
    const res = await addPatterns(deps, [
      draft(problem.key, { judge: { grader: 'judge@1', rubric: 'Offers a refund.' } }),
    ]);
    expect(res.created).toHaveLength(1);
  });
});
