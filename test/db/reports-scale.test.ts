import { count, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { results } from '../../src/db/schema.ts';
import { gateModel } from '../../src/services/gate.ts';
import { listProblems } from '../../src/services/problems.ts';
import { compareModels, modelReport, problemHistory } from '../../src/services/reports.ts';
import { makeDeps } from '../services/helpers.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

/**
 * The read side at the size it is built for: 100 models × 500 problems × 15 patterns = 750,000 results.
 * Every fifth revision fails on every model, except that model 1 also fails every seventh — numbers that are
 * easy to derive, so the aggregates are checked as well as timed.
 */
const MODELS = 100;
const PROBLEMS = 500;
const PER_PROBLEM = 15;

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  const db = database.db;
  await db.execute(
    sql`insert into problems (title, threshold) select 'scale ' || g, 0.5 from generate_series(1, ${PROBLEMS}) g`,
  );
  await db.execute(
    sql`insert into patterns (problem_id, fingerprint) select p.id, md5(p.id || '-' || g) from problems p, generate_series(1, ${PER_PROBLEM}) g order by p.id, g`,
  );
  await db.execute(
    sql`insert into pattern_revisions (pattern_id, revision, input, expectation) select id, 1, to_jsonb('input ' || id), '{"label":"a"}'::jsonb from patterns order by id`,
  );
  await db.execute(
    sql`insert into models (name, version, adapter, url, registered_at) select 'scale', 'v' || g, 'http', 'http://m/predict', timestamptz '2026-01-01' + g * interval '1 day' from generate_series(1, ${MODELS}) g`,
  );
  await db.execute(sql`
    insert into results (model_id, pattern_revision_id, pattern_id, problem_id, status, reason)
    select m.id, r.id, p.id, p.problem_id,
      (case when r.id % 5 = 0 or (m.id = 1 and r.id % 7 = 0) then 'failed' else 'passed' end)::result_status, ''
    from models m cross join pattern_revisions r join patterns p on p.id = r.pattern_id`);
  await db.execute(sql`analyze`);
}, 180_000);
afterAll(async () => {
  await database.drop();
});

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

describe('reports at 750,000 results', () => {
  it('has the rows it claims', async () => {
    const [row] = await database.db.select({ n: count() }).from(results);
    expect(row?.n).toBe(MODELS * PROBLEMS * PER_PROBLEM);
  });

  it('answers the common questions quickly and correctly', async () => {
    const deps = makeDeps(database.db);
    const report = await timed(() => modelReport(deps, 'scale@v50'));
    expect(report.value.problems).toHaveLength(PROBLEMS);
    // Revision ids 1..7500 in problem order: 3 of every 15 are multiples of 5.
    expect(report.value.problems.every((p) => p.n === 15 && p.passed === 12)).toBe(true);

    const list = await timed(() => listProblems(deps));
    expect(list.value).toHaveLength(PROBLEMS);
    expect(list.value[0]?.latest.map((l) => l.model)).toEqual(['scale@v98', 'scale@v99', 'scale@v100']);

    const history = await timed(() => problemHistory(deps, 'P-1'));
    expect(history.value.points).toHaveLength(MODELS);
    // Problem 1 holds revisions 1..15: model 1 also fails 7 and 14.
    expect(history.value.points[0]?.metrics.passed).toBe(10);

    const compare = await timed(() => compareModels(deps, 'scale@v1', 'scale@v2'));
    expect(compare.value.problems[0]?.comparison.fixed).toEqual([7, 14]);

    const gate = await timed(() => gateModel(deps, { model: 'scale@v2', baseline: 'scale@v1' }));
    expect(gate.value.verdict.pass).toBe(true);

    const times = {
      report: report.ms,
      list: list.ms,
      history: history.ms,
      compare: compare.ms,
      gate: gate.ms,
    };
    console.info('report timings (ms)', times);
    for (const ms of Object.values(times)) expect(ms).toBeLessThan(3000);
  });
});
