import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wilson } from '../../src/core/statistics.ts';
import {
  compareModels,
  modelReport,
  outcomesFor,
  patternGrid,
  problemHistory,
} from '../../src/services/reports.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { buildFixture } from './fixture.ts';
import { makeDeps } from './helpers.ts';

let database: TestDatabase;
let fx: Awaited<ReturnType<typeof buildFixture>>;
beforeAll(async () => {
  database = await createTestDatabase();
  fx = await buildFixture(makeDeps(database.db), 'rep');
});
afterAll(async () => {
  await database.drop();
});

describe('reports', () => {
  it('outcomesFor folds repeats and keeps only current revisions of active patterns', async () => {
    const a = await outcomesFor(database.db, { modelId: fx.A, problemId: fx.p2.id });
    expect(a.map((o) => [o.patternId, o.status])).toEqual([
      [fx.f.id, 'passed'],
      [fx.g.id, 'failed'],
    ]);
    const r = await outcomesFor(database.db, { modelId: fx.R, problemId: fx.p1.id });
    expect(r).toEqual([
      {
        patternId: fx.a.id,
        patternRevisionId: fx.a.revisionId,
        status: 'passed',
        passShare: 1,
        flaky: false,
      },
      expect.objectContaining({ patternId: fx.b.id, status: 'failed', passShare: 2 / 3, flaky: true }),
      expect.objectContaining({ patternId: fx.c.id, status: 'failed', passShare: 0, flaky: false }),
      expect.objectContaining({ patternId: fx.d.id, status: 'errored', passShare: null }),
      expect.objectContaining({ patternId: fx.e.id, status: 'passed', passShare: 1 }),
    ]);
    // Problem status does not matter here: five in P1, f and g in P2, h in the won’t-fix P3.
    expect(await outcomesFor(database.db, { modelId: fx.B })).toHaveLength(8);
  });

  it('modelReport counts per problem, leaves won’t-fix out, and judges the threshold', async () => {
    const deps = makeDeps(database.db);
    const a = await modelReport(deps, fx.ref('A'));
    expect(a.model.id).toBe(fx.A);
    expect(a.problems.map((p) => p.key)).toEqual([fx.p1.key, fx.p2.key]);
    expect(a.problems[0]).toEqual({
      key: fx.p1.key,
      title: fx.p1.title,
      threshold: 0.6,
      n: 4,
      passed: 2,
      failed: 2,
      errored: 1,
      flaky: 0,
      passRate: 0.5,
      ci: wilson(2, 4),
      meetsThreshold: false,
      flakyPatterns: [],
      // c and d failed, e errored: each listed with what the model answered.
      failing: [
        {
          patternId: fx.c.id,
          input: expect.any(String),
          status: 'failed',
          output: 'positive',
          reason: 'it was failed',
        },
        {
          patternId: fx.d.id,
          input: expect.any(String),
          status: 'failed',
          output: 'positive',
          reason: 'it was failed',
        },
        {
          patternId: fx.e.id,
          input: expect.any(String),
          status: 'errored',
          output: null,
          reason: 'it was errored',
        },
      ],
      // 50% [15%, 85%] against a 60% threshold: four patterns cannot tell.
      evidence: expect.objectContaining({
        status: 'too_few',
        threshold: expect.objectContaining({ straddles: true }),
      }),
    });
    expect(a.problems[1]).toMatchObject({ n: 2, passed: 1, passRate: 0.5, meetsThreshold: null });
    const b = await modelReport(deps, fx.ref('B'));
    expect(b.problems[0]).toMatchObject({ n: 5, passed: 4, passRate: 0.8, meetsThreshold: true });
    const r = await modelReport(deps, fx.ref('R'));
    expect(r.problems[0]).toMatchObject({
      n: 3,
      passed: 2,
      failed: 1,
      errored: 1,
      flaky: 1,
      passRate: 2 / 3,
      ci: wilson(2, 3),
      meetsThreshold: true,
      flakyPatterns: [fx.b.id],
    });
    expect(r.problems[1]).toMatchObject({ n: 0, passRate: null, meetsThreshold: null });
  });

  it('problemHistory lists live models that ran the problem, in registration order', async () => {
    const h = await problemHistory(makeDeps(database.db), fx.p1.key);
    expect(h.points.map((p) => [p.model, p.metrics.passRate])).toEqual([
      [fx.ref('A'), 0.5],
      [fx.ref('B'), 0.8],
      [fx.ref('R'), 2 / 3],
    ]);
    expect(h.points[0]!.registeredAt).toEqual(new Date('2026-01-01'));
    const h2 = await problemHistory(makeDeps(database.db), fx.p2.key);
    expect(h2.points.map((p) => p.model)).toEqual([fx.ref('A'), fx.ref('B')]);
  });

  it('compareModels pairs the same revisions', async () => {
    const cmp = await compareModels(makeDeps(database.db), fx.ref('A'), fx.ref('B'));
    const p1 = cmp.problems.find((p) => p.key === fx.p1.key)!;
    expect(p1.comparison).toMatchObject({
      paired: 4,
      fixed: [fx.c.revisionId, fx.d.revisionId],
      broken: [fx.b.revisionId],
      stillPassing: [fx.a.revisionId],
      unpaired: [fx.e.revisionId],
      verdict: 'no_clear_change',
    });
    expect(p1.metricsA).toMatchObject({ n: 4, passed: 2, passRate: 0.5 });
    expect(p1.metricsB).toMatchObject({ n: 4, passed: 3, passRate: 0.75 });
    const p2 = cmp.problems.find((p) => p.key === fx.p2.key)!;
    expect(p2.comparison).toMatchObject({ paired: 2, fixed: [fx.g.revisionId], broken: [] });
  });

  it('patternGrid gives one cell per pattern and live model', async () => {
    const grid = await patternGrid(makeDeps(database.db), fx.p1.key);
    expect(grid.patterns.map((p) => p.id)).toEqual([fx.a.id, fx.b.id, fx.c.id, fx.d.id, fx.e.id]);
    expect(grid.models.map((m) => m.ref)).toEqual([fx.ref('A'), fx.ref('B'), fx.ref('R')]);
    expect(grid.cells).toEqual([
      ['passed', 'passed', 'passed'],
      ['passed', 'failed', 'failed'],
      ['failed', 'passed', 'failed'],
      ['failed', 'passed', 'errored'],
      ['errored', 'passed', 'passed'],
    ]);
    // Beside each cell, the first run's answer and reason: the grid's tooltips show them.
    expect(grid.details[1]).toEqual([
      { output: 'negative', reason: '' },
      { output: 'positive', reason: 'it was failed' },
      { output: 'negative', reason: '' },
    ]);
    expect(grid.details[4]?.[0]).toEqual({ output: null, reason: 'it was errored' });
    const p2 = await patternGrid(makeDeps(database.db), fx.p2.key);
    expect(p2.details[2]).toEqual([null, null]);
    expect(p2.cells[2]).toEqual([null, null]);
  });
});
