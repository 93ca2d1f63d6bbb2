import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PatternDraft } from '../../src/core/pattern.ts';
import { patternRevisions, patterns, problems } from '../../src/db/schema.ts';
import {
  addPattern,
  addPatterns,
  editPattern,
  getPattern,
  listPatterns,
  patternFingerprint,
  patternRevisionsForEvaluation,
  scheduleBackfills,
  setPatternActive,
} from '../../src/services/patterns.ts';
import { createProblem } from '../../src/services/problems.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { insertModelRow, insertResults, makeDeps } from './helpers.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

const draft = (problem: string, input: PatternDraft['input'], label = 'negative'): PatternDraft => ({
  problem,
  input,
  expectation: { label },
  polarity: 'positive',
  source: 'contrived',
  notes: '',
});

async function patternRows(problemId: number) {
  return database.db.select().from(patterns).where(eq(patterns.problemId, problemId));
}

describe('addPatterns', () => {
  it('creates patterns with revision 1 and back-fills them together after commit, as one bulk add', async () => {
    const deps = makeDeps(database.db);
    const p = await createProblem(deps, { title: 'Sarcasm' });
    const res = await addPatterns(
      deps,
      [draft(p.key, 'great, another Monday'), draft('sarcasm', { text: 'sure', lang: 'en' })],
      {
        creatorId: 'U1',
      },
    );
    expect(res.created).toHaveLength(2);
    expect(res.existing).toEqual([]);
    expect(res.created.map((c) => c.revision)).toEqual([1, 1]);
    expect(res.created[1]).toMatchObject({
      problemId: p.id,
      input: { text: 'sure', lang: 'en' },
      creatorId: 'U1',
      active: true,
    });
    // One back-fill for the whole add, never one per pattern.
    expect(deps.scheduler.backfills).toEqual([]);
    expect(res.addId).not.toBeNull();
    expect(deps.scheduler.adds).toEqual([res.addId]);
    const tagged = await database.db
      .select({ id: patternRevisions.id, addId: patternRevisions.addId })
      .from(patternRevisions)
      .where(eq(patternRevisions.addId, res.addId as number));
    expect(tagged.map((t) => t.id).sort()).toEqual(res.created.map((c) => c.revisionId).sort());
  });

  it('with deferBackfill commits only; scheduleBackfills queues it later and reports what it could not queue', async () => {
    const deps = makeDeps(database.db);
    const p = await createProblem(deps, { title: 'Deferred back-fill' });
    const res = await addPatterns(deps, [draft(p.key, 'later, please')], { deferBackfill: true });
    expect(res.created).toHaveLength(1);
    expect(deps.scheduler.backfills).toEqual([]);
    const revisionId = res.created[0]!.revisionId;
    expect(await scheduleBackfills(deps, [revisionId], 'U1')).toEqual([]);
    expect(deps.scheduler.backfills).toEqual([revisionId]);
    deps.scheduler.failBackfill = true;
    expect(await scheduleBackfills(deps, [revisionId], 'U1')).toEqual([revisionId]);
  });

  it('dedupes by fingerprint (key order does not matter) and by Slack message', async () => {
    const deps = makeDeps(database.db);
    const p = await createProblem(deps, { title: 'Dedupe' });
    const first = await addPattern(deps, draft(p.key, { a: 1, b: 2 }));
    expect(first.created).toBe(true);
    const again = await addPatterns(deps, [draft(p.key, { b: 2, a: 1 })]);
    expect(again.created).toEqual([]);
    expect(again.existing.map((e) => e.id)).toEqual([first.pattern.id]);

    const flagged = await addPattern(deps, {
      ...draft(p.key, 'flagged text'),
      sourceChannel: 'C1',
      sourceTs: '123.4',
    });
    const reflagged = await addPattern(deps, {
      ...draft(p.key, 'flagged text edited'),
      sourceChannel: 'C1',
      sourceTs: '123.4',
    });
    expect(reflagged).toEqual({ pattern: flagged.pattern, created: false });
    expect(await patternRows(p.id)).toHaveLength(2);
    // Two adds created something; the repeats created nothing and queue nothing.
    expect(deps.scheduler.adds).toHaveLength(2);
    expect(patternFingerprint({ a: 1, b: 2 }, { label: 'x' })).toBe(
      patternFingerprint({ b: 2, a: 1 }, { label: 'x' }),
    );
  });

  it('writes nothing when one draft is bad or names an unknown problem', async () => {
    const deps = makeDeps(database.db);
    const p = await createProblem(deps, { title: 'All or nothing' });
    const bad = { ...draft(p.key, 'ok'), expectation: { colour: 'red' } } as unknown as PatternDraft;
    await expect(addPatterns(deps, [draft(p.key, 'fine 1'), bad])).rejects.toMatchObject({
      code: 'validation',
    });
    await expect(
      addPatterns(deps, [draft(p.key, 'fine 2'), draft('No such problem', 'x')]),
    ).rejects.toMatchObject({
      code: 'problem_not_found',
      message: expect.stringContaining('No such problem'),
    });
    const huge = 'x'.repeat(5000);
    await expect(addPatterns(deps, [draft(p.key, huge)])).rejects.toMatchObject({
      code: 'validation',
      field: 'input',
    });
    expect(await patternRows(p.id)).toEqual([]);
    expect(deps.scheduler.backfills).toEqual([]);
  });

  it('creates missing problems by title when asked, never for unknown keys', async () => {
    const deps = makeDeps(database.db);
    const res = await addPatterns(deps, [draft('Brand new problem', 'a'), draft('brand new problem', 'b')], {
      createProblems: true,
      creatorId: 'U9',
    });
    expect(res.problemsCreated).toHaveLength(1);
    expect(res.problemsCreated[0]).toMatchObject({ title: 'Brand new problem', creatorId: 'U9' });
    expect(new Set(res.created.map((c) => c.problemId))).toEqual(new Set([res.problemsCreated[0]!.id]));
    const before = (await database.db.select().from(problems)).length;
    await expect(addPatterns(deps, [draft('P-424242', 'a')], { createProblems: true })).rejects.toMatchObject(
      {
        code: 'problem_not_found',
      },
    );
    expect((await database.db.select().from(problems)).length).toBe(before);
  });

  it('accounts for every item sent, in order: created, already there, or a repeat of an earlier item', async () => {
    const deps = makeDeps(database.db);
    const p = await createProblem(deps, { title: 'Accounting' });
    const before = await addPattern(deps, draft(p.key, 'already here'));
    // 240 items: 238 new, one already stored, one repeat of item 3 (same input, keys in another order).
    const items = Array.from({ length: 238 }, (_, i) => draft(p.key, { n: i, text: `item ${i}` }));
    items.splice(10, 0, draft(p.key, 'already here'));
    items.push(draft(p.key, { text: 'item 3', n: 3 }));
    const res = await addPatterns(deps, items);
    expect(res.items).toHaveLength(240);
    const count = (s: string) => res.items.filter((i) => i.status === s).length;
    expect([count('created'), count('existing'), count('repeat')]).toEqual([238, 1, 1]);
    expect(res.repeats).toBe(1);
    expect(res.items[10]).toEqual({ status: 'existing', id: before.pattern.id });
    const third = res.items[3];
    expect(third?.status).toBe('created');
    expect(res.items[239]).toEqual({ status: 'repeat', id: third?.id, of: 3 });
    expect(new Set(res.created.map((c) => c.id)).size).toBe(238);
    expect(await patternRows(p.id)).toHaveLength(239);
  });

  it('writes a 20,000-pattern add in chunks under the parameter limit, with a repeat across chunks', async () => {
    const deps = makeDeps(database.db);
    const p = await createProblem(deps, { title: 'Large import' });
    const items = Array.from({ length: 20_000 }, (_, i) => draft(p.key, `large ${i}`));
    // Item 15,000 repeats item 1: they land in different write chunks.
    items[15_000] = draft(p.key, 'large 1');
    const res = await addPatterns(deps, items);
    expect(res.items).toHaveLength(20_000);
    expect(res.repeats).toBe(1);
    expect(res.items[15_000]).toMatchObject({ status: 'repeat', of: 1 });
    expect(res.created).toHaveLength(19_999);
    expect(deps.scheduler.adds).toEqual([res.addId]);
  }, 120_000);

  it('leaves one row when the same patterns are added concurrently', async () => {
    const deps = makeDeps(database.db);
    const p = await createProblem(deps, { title: 'Concurrent' });
    const batch = [draft(p.key, 'one'), draft(p.key, 'two'), draft(p.key, 'three')];
    const results = await Promise.all(Array.from({ length: 4 }, () => addPatterns(deps, batch)));
    expect(await patternRows(p.id)).toHaveLength(3);
    const revisions = await database.db
      .select()
      .from(patternRevisions)
      .innerJoin(patterns, eq(patterns.id, patternRevisions.patternId))
      .where(eq(patterns.problemId, p.id));
    expect(revisions).toHaveLength(3);
    expect(results.reduce((n, r) => n + r.created.length, 0)).toBe(3);
    for (const r of results) expect(r.created.length + r.existing.length).toBe(3);
    // The add that created the three back-fills them; the others found them there.
    expect(deps.scheduler.adds).toHaveLength(1);
  });

  it('counts a failed back-fill as unscheduled but keeps the pattern', async () => {
    const deps = makeDeps(database.db);
    const p = await createProblem(deps, { title: 'Queue down' });
    deps.scheduler.failBackfill = true;
    const res = await addPatterns(deps, [draft(p.key, 'kept')]);
    expect(res.unscheduled).toEqual([res.created[0]!.revisionId]);
    expect(await patternRows(p.id)).toHaveLength(1);
  });
});

describe('editing and listing', () => {
  it('appends a revision for a new input or expectation, edits notes in place', async () => {
    const deps = makeDeps(database.db);
    const p = await createProblem(deps, { title: 'Edits' });
    const { pattern } = await addPattern(deps, draft(p.key, 'before'));
    deps.scheduler.backfills.length = 0;

    const notesOnly = await editPattern(deps, pattern.id, { notes: 'why it matters', polarity: 'negative' });
    expect(notesOnly).toMatchObject({
      revision: 1,
      revisionId: pattern.revisionId,
      notes: 'why it matters',
      polarity: 'negative',
    });
    expect(deps.scheduler.backfills).toEqual([]);

    const edited = await editPattern(deps, pattern.id, { input: 'after', editedBy: 'U2' });
    expect(edited).toMatchObject({ revision: 2, input: 'after', expectation: { label: 'negative' } });
    expect(edited.revisionId).not.toBe(pattern.revisionId);
    expect(deps.scheduler.backfills).toEqual([edited.revisionId]);

    const third = await editPattern(deps, pattern.id, { expectation: '{"one_of": ["negative", "neutral"]}' });
    expect(third).toMatchObject({
      revision: 3,
      input: 'after',
      expectation: { one_of: ['negative', 'neutral'] },
    });
    await expect(editPattern(deps, pattern.id, { expectation: { nope: 1 } })).rejects.toMatchObject({
      code: 'validation',
    });
    expect((await getPattern(deps, pattern.id)).revision).toBe(3);
    await expect(getPattern(deps, 99999999)).rejects.toMatchObject({ code: 'pattern_not_found' });
  });

  it('lists current revisions with each live model’s latest outcome, and feeds the evaluation engine', async () => {
    const deps = makeDeps(database.db);
    const p = await createProblem(deps, { title: 'Listing' });
    const { created } = await addPatterns(deps, [draft(p.key, 'x1'), draft(p.key, 'x2'), draft(p.key, 'x3')]);
    const [a, b, c] = created as [(typeof created)[0], (typeof created)[0], (typeof created)[0]];
    const m1 = await insertModelRow(database.db, {
      name: 'lm',
      version: '1',
      registeredAt: new Date('2026-01-01'),
    });
    const m2 = await insertModelRow(database.db, {
      name: 'lm',
      version: '2',
      registeredAt: new Date('2026-02-01'),
    });
    const gone = await insertModelRow(database.db, {
      name: 'lm',
      version: '0',
      registeredAt: new Date('2025-01-01'),
      status: 'retired',
    });
    await insertResults(database.db, [
      {
        modelId: m1,
        pattern: a,
        status: 'failed',
        label: 'positive',
        reason: 'expected negative, got positive',
      },
      { modelId: m2, pattern: a, status: 'passed', label: 'negative' },
      { modelId: gone, pattern: a, status: 'passed' },
      { modelId: m1, pattern: b, status: 'errored', reason: 'timeout' },
    ]);
    const edited = await editPattern(deps, c.id, { input: 'x3 v2' });
    await insertResults(database.db, [{ modelId: m1, pattern: c, status: 'passed' }]); // old revision: ignored
    await setPatternActive(deps, b.id, false);

    const list = await listPatterns(deps, p.key);
    expect(list.patterns.map((l) => l.pattern.id)).toEqual([a.id, c.id]);
    expect(list.patterns[0]!.outcomes).toEqual([
      {
        modelId: m1,
        model: 'lm@1',
        status: 'failed',
        flaky: false,
        label: 'positive',
        reason: 'expected negative, got positive',
      },
      { modelId: m2, model: 'lm@2', status: 'passed', flaky: false, label: 'negative', reason: null },
    ]);
    expect(list.patterns[1]).toMatchObject({ pattern: { revision: 2, input: 'x3 v2' }, outcomes: [] });
    const all = await listPatterns(deps, p.key, { includeInactive: true });
    expect(all.patterns.find((l) => l.pattern.id === b.id)?.outcomes).toMatchObject([
      { status: 'errored', reason: 'timeout', label: null },
    ]);

    const missing = await patternRevisionsForEvaluation(database.db, {
      modelId: m1,
      problemId: p.id,
      onlyMissing: true,
      runs: 1,
    });
    expect(missing.map((r) => r.id)).toEqual([edited.revisionId]);
    const everything = await patternRevisionsForEvaluation(database.db, {
      modelId: m1,
      problemId: p.id,
      onlyMissing: false,
      runs: 1,
    });
    expect(everything).toEqual([
      { id: a.revisionId, patternId: a.id, problemId: p.id, input: 'x1', expectation: { label: 'negative' } },
      {
        id: edited.revisionId,
        patternId: c.id,
        problemId: p.id,
        input: 'x3 v2',
        expectation: { label: 'negative' },
      },
    ]);
    const twice = await patternRevisionsForEvaluation(database.db, {
      modelId: m2,
      problemId: p.id,
      onlyMissing: true,
      runs: 2,
    });
    expect(twice.map((r) => r.id)).toEqual([a.revisionId, edited.revisionId]);
  });
});
