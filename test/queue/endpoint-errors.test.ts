import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { models } from '../../src/db/schema.ts';
import { type ModelServer, startModelServer } from '../../src/modelserver/index.ts';
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

const TEXTS = [
  'I hate waiting',
  'what a lovely day',
  'not great',
  'superb service',
  'awful, just awful',
  'fine',
];

let h: Harness;
let problemId: number;
const revisionIds: number[] = [];
const servers: ModelServer[] = [];

async function faultyServer(faults: Parameters<ModelServer['setFaults']>[0]): Promise<ModelServer> {
  const server = await startModelServer({ port: 0 });
  server.setFaults(faults);
  servers.push(server);
  return server;
}

beforeAll(async () => {
  h = await createHarness();
  problemId = await seedProblem(h.db, 'Robustness');
  for (const text of TEXTS) {
    revisionIds.push((await seedPattern(h.db, problemId, text, { label: 'negative' })).revisionId);
  }
});

afterAll(async () => {
  await h?.close();
  await Promise.all(servers.map((s) => s.close()));
});

describe('endpoint trouble', () => {
  it('records 500s as errored with the reason, and keeps them out of passed/failed', async () => {
    const server = await faultyServer({ status500Every: 2 });
    // One input per request, no retries: each injected 500 costs exactly one input.
    const modelId = await seedModel(h.db, server, { options: { batchSize: 1, retries: 0 } });
    const { evaluationId } = await h.scheduler.evaluateModel({ modelId, trigger: 'register' });
    const row = await waitForEvaluation(h.db, evaluationId);
    const rows = await resultsOf(h.db, modelId);
    const errored = rows.filter((r) => r.status === 'errored');
    expect(rows).toHaveLength(TEXTS.length);
    expect(errored).toHaveLength(server.stats().injected.status500);
    expect(errored.length).toBeGreaterThan(0);
    expect(errored.every((r) => /500/.test(r.reason))).toBe(true);
    expect(row).toMatchObject({ status: 'done', total: TEXTS.length, doneCount: TEXTS.length });
    expect(row.errored).toBe(errored.length);
    expect(row.passed + row.failed).toBe(TEXTS.length - errored.length);
    const view = await getEvaluation(h, evaluationId);
    const metrics = view!.perProblem![0]!.metrics;
    expect(metrics.errored).toBe(errored.length);
    expect(metrics.n).toBe(TEXTS.length - errored.length);
  });

  it('records garbage answers as errored; a problem with nothing rated has no pass rate', async () => {
    const server = await faultyServer({ malformedEvery: 1 });
    const modelId = await seedModel(h.db, server, { options: { retries: 0 } });
    const { evaluationId } = await h.scheduler.evaluateModel({ modelId, trigger: 'register' });
    const row = await waitForEvaluation(h.db, evaluationId);
    const rows = await resultsOf(h.db, modelId);
    expect(rows).toHaveLength(TEXTS.length);
    expect(rows.every((r) => r.status === 'errored' && r.reason.length > 0)).toBe(true);
    expect(row).toMatchObject({ status: 'done', errored: TEXTS.length, passed: 0, failed: 0 });
    const view = await getEvaluation(h, evaluationId);
    expect(view!.perProblem![0]!.metrics).toMatchObject({ n: 0, errored: TEXTS.length, passRate: null });
    // Errored results are not "answered": the next onlyMissing evaluation runs them again.
    server.setFaults({});
    const again = await h.scheduler.evaluateModel({ modelId, trigger: 'manual' });
    const second = await waitForEvaluation(h.db, again.evaluationId);
    expect(second).toMatchObject({ total: TEXTS.length, doneCount: TEXTS.length, errored: 0 });
    expect(await resultsOf(h.db, modelId)).toHaveLength(TEXTS.length);
  });

  it('records an endpoint the adapter refuses as errored instead of retrying it', async () => {
    const modelId = await seedModel(h.db, h.server);
    await h.db
      .update(models)
      .set({ url: 'http://169.254.169.254/v2/models/afinn/infer' })
      .where(sql`${models.id} = ${modelId}`);
    const { evaluationId } = await h.scheduler.evaluateModel({ modelId, trigger: 'register' });
    const row = await waitForEvaluation(h.db, evaluationId);
    expect(row).toMatchObject({ status: 'done', errored: TEXTS.length });
    const rows = await resultsOf(h.db, modelId);
    expect(rows.every((r) => r.reason.startsWith('endpoint refused'))).toBe(true);
  });

  it('a batch that exhausts its retries does not wedge the evaluation: its gaps become errored', async () => {
    const modelId = await seedModel(h.db, h.server);
    const doomed = revisionIds[0]!;
    // A real database failure for one revision's answers (placeholders still go through).
    await h.db.execute(
      sql.raw(`create function refuse_doomed() returns trigger language plpgsql as $$
        begin
          if new.model_id = ${modelId} and new.pattern_revision_id = ${doomed} and new.status <> 'errored' then
            raise exception 'disk on fire';
          end if;
          return new;
        end $$`),
    );
    await h.db.execute(
      sql.raw(
        'create trigger refuse_doomed before insert on results for each row execute function refuse_doomed()',
      ),
    );
    try {
      const { evaluationId } = await h.scheduler.evaluateModel({ modelId, trigger: 'register' });
      const row = await waitForEvaluation(h.db, evaluationId, 30_000);
      expect(row).toMatchObject({ status: 'done', total: TEXTS.length, doneCount: TEXTS.length });
      const rows = await resultsOf(h.db, modelId);
      expect(rows).toHaveLength(TEXTS.length);
      const lost = rows.filter((r) => r.status === 'errored');
      // Rows are isolated: only the doomed revision's result errors, the rest of its chunk is kept.
      expect(lost).toHaveLength(1);
      expect(lost.every((r) => r.reason.includes('disk on fire'))).toBe(true);
      expect(lost.some((r) => r.patternRevisionId === doomed)).toBe(true);
      expect(row.errored).toBe(1);
    } finally {
      await h.db.execute(sql.raw('drop trigger refuse_doomed on results; drop function refuse_doomed()'));
    }
  }, 40_000);
});
