import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlEventsOf } from '../../src/db/queries/controls.ts';
import { revisionIdsForEvaluation } from '../../src/db/queries/patterns.ts';
import { models, results } from '../../src/db/schema.ts';
import { gateModel } from '../../src/services/gate.ts';
import { promoteModel, restoreModel, retireModel } from '../../src/services/models.ts';
import { addPatterns, editPattern, setPatternActive } from '../../src/services/patterns.ts';
import { createProblem, listProblems } from '../../src/services/problems.ts';
import { modelReport, problemHistory } from '../../src/services/reports.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { insertModelRow, insertResults, makeDeps } from './helpers.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

async function seed(tag: string) {
  const deps = makeDeps(database.db);
  const problem = await createProblem(deps, { title: `${tag} negation`, threshold: 0.5 });
  const { created } = await addPatterns(
    deps,
    ['a', 'b', 'c', 'd'].map((x) => ({
      problem: problem.key,
      input: `${tag} ${x}`,
      expectation: { label: 'negative' },
      polarity: 'positive' as const,
      source: 'contrived' as const,
      notes: '',
    })),
  );
  const model = await insertModelRow(database.db, { name: tag, version: 'v1', registeredAt: new Date() });
  // a, b pass; c, d fail: 50%.
  await insertResults(
    database.db,
    created.map((p, i) => ({ modelId: model, pattern: p, status: i < 2 ? 'passed' : 'failed' })),
  );
  return { deps, problem, patterns: created, model };
}

describe('retire and restore a model', () => {
  it('records who and when, drops the model from reports and refuses it at the gate, then restores it', async () => {
    const { deps, problem, model } = await seed('ret');
    expect((await problemHistory(deps, problem.key)).points.map((p) => p.modelId)).toContain(model);

    const retired = await retireModel(deps, 'ret@v1', { by: 'U0ADMIN' });
    expect(retired.status).toBe('retired');
    expect(retired.retiredBy).toBe('U0ADMIN');
    expect(retired.retiredAt).toBeInstanceOf(Date);
    expect((await problemHistory(deps, problem.key)).points.map((p) => p.modelId)).not.toContain(model);
    const summary = (await listProblems(deps)).find((s) => s.problem.id === problem.id);
    expect(summary?.latest.map((l) => l.modelId)).not.toContain(model);
    await expect(gateModel(deps, { model: 'ret@v1' })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/ret@v1 is retired \(by U0ADMIN\).*restore it first/),
    });
    // Results are kept.
    expect((await database.db.select().from(results).where(eq(results.modelId, model))).length).toBe(4);
    // Retiring twice changes nothing and records nothing more.
    await retireModel(deps, 'ret@v1', { by: 'U0OTHER' });

    const restored = await restoreModel(deps, 'ret@v1', { by: 'U0ADMIN2' });
    expect(restored.model.status).toBe('candidate');
    expect(restored.model.retiredAt).toBeNull();
    expect(restored.evaluationId).not.toBeNull();
    expect(deps.scheduler.evaluations).toEqual([{ modelId: model, trigger: 'manual' }]);
    expect((await gateModel(deps, { model: 'ret@v1' })).verdict.pass).toBe(true);

    const events = await controlEventsOf(database.db, 'model', model);
    expect(events.map((e) => [e.action, e.actor])).toEqual([
      ['model.retire', 'U0ADMIN'],
      ['model.restore', 'U0ADMIN2'],
    ]);
    expect(events[1]?.details).toMatchObject({ retiredBy: 'U0ADMIN' });
  });

  it('refuses to retire the production model, and concurrent retirements change it once', async () => {
    const { deps, model } = await seed('prod');
    await promoteModel(deps, 'prod@v1');
    await expect(retireModel(deps, 'prod@v1')).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/production model; promote another version/),
    });
    const [row] = await database.db.select().from(models).where(eq(models.id, model));
    expect(row?.status).toBe('production');

    const other = await seed('race');
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => retireModel(other.deps, 'race@v1', { by: `U${i}` })),
    );
    expect(await controlEventsOf(database.db, 'model', other.model)).toHaveLength(1);
  });
});

describe('deactivate, reactivate and edit a pattern', () => {
  it('a deactivated pattern stops counting and is not planned for models; reactivating back-fills it', async () => {
    const { deps, problem, patterns, model } = await seed('deact');
    const failing = patterns[2] as (typeof patterns)[number];
    const before = (await modelReport(deps, 'deact@v1')).problems.find((p) => p.key === problem.key);
    expect(before?.passRate).toBe(0.5);

    const off = await setPatternActive(deps, failing.id, false, { by: 'U0ADMIN' });
    expect(off.active).toBe(false);
    expect(off.deactivatedBy).toBe('U0ADMIN');
    const after = (await modelReport(deps, 'deact@v1')).problems.find((p) => p.key === problem.key);
    expect(after?.n).toBe(3);
    expect(after?.passRate).toBeCloseTo(2 / 3);
    const planned = await revisionIdsForEvaluation(database.db, {
      modelId: model + 1000,
      problemId: problem.id,
      onlyMissing: false,
      runs: 1,
    });
    expect(planned).not.toContain(failing.revisionId);
    expect(planned).toHaveLength(3);

    const on = await setPatternActive(deps, failing.id, true, { by: 'U0ADMIN2' });
    expect(on.active).toBe(true);
    expect(on.deactivatedAt).toBeNull();
    expect(deps.scheduler.backfills).toContain(failing.revisionId);
    const events = await controlEventsOf(database.db, 'pattern', failing.id);
    expect(events.map((e) => [e.action, e.actor])).toEqual([
      ['pattern.deactivate', 'U0ADMIN'],
      ['pattern.reactivate', 'U0ADMIN2'],
    ]);
  });

  it('an edit is a new revision: old results stay, current numbers use the new one, and it is back-filled', async () => {
    const { deps, problem, patterns, model } = await seed('edit');
    const target = patterns[3] as (typeof patterns)[number];
    const edited = await editPattern(deps, target.id, {
      expectation: { label: 'positive' },
      editedBy: 'U0ADMIN',
    });
    expect(edited.revision).toBe(2);
    expect(edited.revisionId).not.toBe(target.revisionId);
    expect(deps.scheduler.backfills.at(-1)).toBe(edited.revisionId);
    // The failed result on revision 1 is kept…
    const kept = await database.db
      .select()
      .from(results)
      .where(eq(results.patternRevisionId, target.revisionId));
    expect(kept).toHaveLength(1);
    // …but no longer counts: the model has not run revision 2 yet.
    const report = (await modelReport(deps, 'edit@v1')).problems.find((p) => p.key === problem.key);
    expect(report?.n).toBe(3);
    await insertResults(database.db, [{ modelId: model, pattern: edited, status: 'passed' }]);
    const now = (await modelReport(deps, 'edit@v1')).problems.find((p) => p.key === problem.key);
    expect(now?.passRate).toBe(0.75);
    const [event] = await controlEventsOf(database.db, 'pattern', target.id);
    expect(event).toMatchObject({ action: 'pattern.edit', actor: 'U0ADMIN', details: { revision: 2 } });
  });
});
