import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { outcomesFor } from '../../src/db/queries/reports.ts';
import { gateModel } from '../../src/services/gate.ts';
import { getModelByRef, promoteModel, registerModel } from '../../src/services/models.ts';
import {
  addPatterns,
  editPattern,
  listPatterns,
  patternRevisionsForEvaluation,
} from '../../src/services/patterns.ts';
import { findProblemByKeyOrTitle, listProblems } from '../../src/services/problems.ts';
import { modelReport } from '../../src/services/reports.ts';
import { checkSignoffs, signOff } from '../../src/services/signoffs.ts';
import { buildFixture } from '../services/fixture.ts';
import { endpoint, makeDeps } from '../services/helpers.ts';

/** Embedded mode runs the same queries: nothing here may depend on postgres.js. */
let database: Database;
beforeAll(async () => {
  database = await openDatabase({ dataDir: 'memory://' });
  await database.migrate();
});
afterAll(async () => {
  await database.close();
});

describe('queries on PGlite', () => {
  it('adds, dedupes, edits, reports and gates', async () => {
    const deps = makeDeps(database.db);
    const fx = await buildFixture(deps, 'lite');
    expect((await findProblemByKeyOrTitle(database.db, fx.p1.key.toLowerCase()))?.id).toBe(fx.p1.id);

    const again = await addPatterns(deps, [
      {
        problem: fx.p1.title,
        input: 'lite a',
        expectation: { label: 'negative' },
        polarity: 'positive',
        source: 'contrived',
        notes: '',
      },
    ]);
    expect(again.existing.map((p) => p.id)).toEqual([fx.a.id]);
    expect(fx.old.revision).toBe(2);
    await editPattern(deps, fx.a.id, { notes: 'in place' });

    const report = await modelReport(deps, fx.ref('R'));
    expect(report.problems[0]).toMatchObject({ n: 3, passed: 2, flaky: 1, flakyPatterns: [fx.b.id] });
    expect((await modelReport(deps, fx.ref('B'))).problems[0]).toMatchObject({ n: 5, passRate: 0.8 });
    expect(await outcomesFor(database.db, { modelId: fx.A, problemId: fx.p2.id })).toHaveLength(2);

    const list = await listProblems(deps);
    expect(list.find((s) => s.problem.id === fx.p1.id)?.latest.map((l) => l.metrics.passRate)).toEqual([
      0.5,
      0.8,
      2 / 3,
    ]);
    const patterns = await listPatterns(deps, fx.p1.key);
    expect(patterns.patterns[0]?.outcomes.map((o) => o.status)).toEqual(['passed', 'passed', 'passed']);
    expect(
      await patternRevisionsForEvaluation(database.db, {
        modelId: fx.A,
        problemId: fx.p2.id,
        onlyMissing: true,
        runs: 1,
      }),
    ).toEqual([expect.objectContaining({ id: fx.old.revisionId })]);

    await promoteModel(deps, fx.ref('A'));
    const gate = await gateModel(deps, { model: fx.ref('B') });
    expect(gate.baseline?.id).toBe(fx.A);
    expect(gate.verdict.pass).toBe(true);

    const s = await signOff(deps, { problemKey: fx.p1.key, modelRef: fx.ref('B'), userId: 'U1' });
    expect(s.passRate).toBe(0.8);
    expect((await checkSignoffs(deps, fx.A)).map((b) => b.id)).toEqual([s.id]);
  });

  it('registers and refuses duplicates', async () => {
    const deps = makeDeps(database.db);
    const { model } = await registerModel(deps, { name: 'lite', version: '1', endpoint: endpoint() });
    expect((await getModelByRef(deps, 'lite@1')).id).toBe(model.id);
    await expect(
      registerModel(deps, { name: 'lite', version: '1', endpoint: endpoint() }),
    ).rejects.toMatchObject({
      code: 'duplicate',
    });
  });
});
