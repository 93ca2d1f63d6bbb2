import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeMetrics, metricsFromCounts } from '../../src/core/metrics.ts';
import type { OutcomeStatus } from '../../src/core/outcome.ts';
import type { Pattern } from '../../src/core/pattern.ts';
import { foldOutcomeRuns, runsFor, standingByProblem } from '../../src/db/queries/reports.ts';
import { addPatterns, editPattern, setPatternActive } from '../../src/services/patterns.ts';
import { createProblem } from '../../src/services/problems.ts';
import { insertModelRow, insertResults, makeDeps } from '../services/helpers.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

const status = fc.constantFrom<OutcomeStatus>('passed', 'failed', 'errored');

/**
 * A finished evaluation's summary is counted by the database (standingByProblem); every other view folds
 * the same rows in JavaScript (foldRuns, computeMetrics). Both must give the same metrics for any mix of
 * repeats, errored runs, edited patterns (an old revision no longer counts) and deactivated ones.
 */
describe('standingByProblem', () => {
  it('agrees with folding the runs in JavaScript', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            problem: fc.integer({ min: 0, max: 2 }),
            runs: fc.array(status, { minLength: 1, maxLength: 3 }),
            fate: fc.constantFrom('kept', 'kept', 'edited', 'deactivated'),
            runsOnNewRevision: fc.array(status, { minLength: 0, maxLength: 2 }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        async (specs) => {
          const deps = makeDeps(database.db);
          const tag = `standing${++round}`;
          const problems = await Promise.all(
            [0, 1, 2].map((i) => createProblem(deps, { title: `${tag} problem ${i}` })),
          );
          const { created } = await addPatterns(
            deps,
            specs.map((s, i) => ({
              problem: (problems[s.problem] as { key: string }).key,
              input: `${tag} input ${i}`,
              expectation: { label: 'positive' },
              polarity: 'positive' as const,
              source: 'contrived' as const,
              notes: '',
            })),
          );
          const patterns = created as Pattern[];
          const modelId = await insertModelRow(deps.db, {
            name: tag,
            version: 'v1',
            registeredAt: new Date(),
            repeats: 3,
          });
          await insertResults(
            deps.db,
            specs.flatMap((s, i) =>
              s.runs.map((st, r) => ({ modelId, pattern: patterns[i] as Pattern, status: st, run: r + 1 })),
            ),
          );
          for (const [i, s] of specs.entries()) {
            const pattern = patterns[i] as Pattern;
            if (s.fate === 'deactivated') await setPatternActive(deps, pattern.id, false, { by: 'test' });
            if (s.fate === 'edited') {
              const edited = await editPattern(deps, pattern.id, { input: `${tag} edited ${i}` });
              await insertResults(
                deps.db,
                s.runsOnNewRevision.map((st, r) => ({ modelId, pattern: edited, status: st, run: r + 1 })),
              );
            }
          }
          const problemIds = problems.map((p) => p.id);
          const counted = await standingByProblem(deps.db, modelId, problemIds);
          const folded = new Map<number, ReturnType<typeof computeMetrics>>();
          const outcomes = foldOutcomeRuns(await runsFor(deps.db, { modelIds: [modelId], problemIds }));
          for (const id of problemIds)
            folded.set(id, computeMetrics(outcomes.filter((o) => o.problemId === id)));
          const none = { passed: 0, failed: 0, errored: 0, flaky: 0 };
          for (const id of problemIds) {
            const fromSql = metricsFromCounts(counted.find((c) => c.problemId === id) ?? none);
            expect(fromSql).toEqual(folded.get(id));
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
