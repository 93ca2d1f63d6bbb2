import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pattern } from '../../src/core/pattern.ts';
import { gateModel } from '../../src/services/gate.ts';
import { addPatterns } from '../../src/services/patterns.ts';
import { createProblem, updateProblem } from '../../src/services/problems.ts';
import { collectDigest } from '../../src/services/reporting/digest.ts';
import { modelReport } from '../../src/services/reports.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { insertModelRow, insertResults, makeDeps } from './helpers.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

/**
 * The services read pass rates out of SQL and thresholds as API clients typed them (unrounded): the report,
 * the gate and the digest must still give one answer at 12/15 against 0.8 and a hair either side.
 */
describe('report, gate and digest agree at the boundary', () => {
  it.each([
    [0.8, true],
    [0.8 + 1e-12, true],
    [0.8 + 1e-6, false],
  ])('12/15 against %s meets: %s', async (threshold, meets) => {
    const deps = makeDeps(database.db);
    const tag = `edge${String(threshold).replace(/\D/g, '').slice(0, 12)}`;
    const problem = await createProblem(deps, { title: `${tag} boundary` });
    const { created } = await addPatterns(
      deps,
      Array.from({ length: 15 }, (_, i) => ({
        problem: problem.key,
        input: `${tag} ${i}`,
        expectation: { label: 'negative' },
        polarity: 'positive' as const,
        source: 'contrived' as const,
        notes: '',
      })),
    );
    const modelId = await insertModelRow(deps.db, { name: tag, version: 'v1', registeredAt: new Date() });
    await insertResults(
      deps.db,
      (created as Pattern[]).map((pattern, i) => ({
        modelId,
        pattern,
        status: i < 12 ? ('passed' as const) : ('failed' as const),
      })),
    );
    await updateProblem(deps, problem.key, { threshold });

    const report = await modelReport(deps, `${tag}@v1`);
    const row = report.problems.find((p) => p.key === problem.key);
    expect(row?.passRate).toBe(12 / 15);
    expect(row?.meetsThreshold).toBe(meets);

    const gate = await gateModel(deps, { model: `${tag}@v1`, baseline: null });
    // 15 patterns cannot tell 12/15 from 0.8: a problem that meets on its numbers says so (too_few_patterns).
    const status = gate.verdict.problems.find((p) => p.key === problem.key)?.status;
    expect(status).toBe(meets ? 'too_few_patterns' : 'below');

    const now = new Date();
    const digest = await collectDigest(deps, { since: new Date(now.getTime() - 60_000), now });
    const below = digest.sections.find((s) => s.title === 'Below threshold')?.lines ?? [];
    expect(below.some((line) => line.startsWith(problem.key))).toBe(!meets);
  });
});
