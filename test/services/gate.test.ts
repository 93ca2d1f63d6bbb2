import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gateModel } from '../../src/services/gate.ts';
import { promoteModel } from '../../src/services/models.ts';
import { addPatterns } from '../../src/services/patterns.ts';
import { createProblem } from '../../src/services/problems.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { buildFixture } from './fixture.ts';
import { insertModelRow, insertResults, makeDeps } from './helpers.ts';

let database: TestDatabase;
let fx: Awaited<ReturnType<typeof buildFixture>>;
beforeAll(async () => {
  database = await createTestDatabase();
  fx = await buildFixture(makeDeps(database.db), 'gate');
});
afterAll(async () => {
  await database.drop();
});

describe('gateModel', () => {
  it('fails a model below a threshold and lists the failing patterns with their answers', async () => {
    const res = await gateModel(makeDeps(database.db), { model: fx.ref('A'), baseline: null });
    expect(res.baseline).toBeNull();
    expect(res.verdict.pass).toBe(false);
    expect(res.verdict.problems.map((p) => [p.key, p.status])).toEqual([
      [fx.p1.key, 'below'],
      [fx.p2.key, 'ungated'],
    ]);
    expect(res.problems[0]?.metrics).toMatchObject({ n: 4, passed: 2, errored: 1 });
    expect(res.failures.map((f) => [f.patternId, f.status])).toEqual([
      [fx.c.id, 'failed'],
      [fx.d.id, 'failed'],
      [fx.e.id, 'errored'],
    ]);
    expect(res.failures[0]).toEqual({
      problemKey: fx.p1.key,
      patternId: fx.c.id,
      revisionId: fx.c.revisionId,
      input: fx.c.input,
      expectation: { label: 'negative' },
      prediction: { label: 'positive' },
      reason: 'it was failed',
      status: 'failed',
      broken: false,
    });
    expect(res.failures[2]?.prediction).toBeNull();
  });

  it('passes a model above its thresholds, and compares against production by default', async () => {
    const deps = makeDeps(database.db);
    const none = await gateModel(deps, { model: fx.ref('B') });
    expect(none.baseline).toBeNull();
    expect(none.verdict.pass).toBe(true);
    expect(none.failures).toEqual([]);

    await promoteModel(deps, fx.ref('A'));
    const res = await gateModel(deps, { model: fx.ref('B') });
    expect(res.baseline?.id).toBe(fx.A);
    expect(res.verdict.pass).toBe(true);
    expect(res.problems[0]?.comparison).toMatchObject({
      fixed: [fx.c.revisionId, fx.d.revisionId],
      broken: [fx.b.revisionId],
    });
    // The production model itself has no baseline to compare with.
    expect((await gateModel(deps, { model: fx.ref('A') })).baseline).toBeNull();
  });

  it('strict mode fails when the interval reaches below the threshold', async () => {
    const res = await gateModel(makeDeps(database.db), { model: fx.ref('B'), baseline: null, strict: true });
    expect(res.verdict.pass).toBe(false);
    expect(res.verdict.problems[0]).toMatchObject({ key: fx.p1.key, status: 'below' });
    expect(res.failures.map((f) => f.patternId)).toEqual([fx.b.id]);
  });

  it('fails a significant regression against an explicit baseline, even on an ungated problem', async () => {
    const deps = makeDeps(database.db);
    const p = await createProblem(deps, { title: 'regression, ungated' });
    const { created } = await addPatterns(
      deps,
      Array.from({ length: 8 }, (_, i) => ({
        problem: p.key,
        input: `reg ${i}`,
        expectation: { label: 'negative' },
        polarity: 'positive' as const,
        source: 'contrived' as const,
        notes: '',
      })),
    );
    const good = await insertModelRow(database.db, {
      name: 'reg',
      version: 'good',
      registeredAt: new Date('2026-01-01'),
    });
    const bad = await insertModelRow(database.db, {
      name: 'reg',
      version: 'bad',
      registeredAt: new Date('2026-02-01'),
    });
    await insertResults(database.db, [
      ...created.map((pattern) => ({ modelId: good, pattern, status: 'passed' as const })),
      ...created.map((pattern) => ({ modelId: bad, pattern, status: 'failed' as const })),
    ]);
    const res = await gateModel(deps, { model: 'reg@bad', baseline: 'reg@good' });
    expect(res.verdict.pass).toBe(false);
    const verdict = res.verdict.problems.find((v) => v.key === p.key);
    expect(verdict?.status).toBe('regressed');
    const mine = res.failures.filter((f) => f.problemKey === p.key);
    expect(mine).toHaveLength(8);
    expect(mine.every((f) => f.broken)).toBe(true);
    await expect(gateModel(deps, { model: 'reg@nope' })).rejects.toMatchObject({ code: 'model_not_found' });
  });
});
