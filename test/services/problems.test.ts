import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanaryError } from '../../src/core/errors.ts';
import { problems } from '../../src/db/schema.ts';
import { addPatterns, setPatternActive } from '../../src/services/patterns.ts';
import {
  createProblem,
  findProblemByKeyOrTitle,
  getProblem,
  listProblems,
  setProblemHome,
  updateProblem,
} from '../../src/services/problems.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { insertModelRow, insertResults, makeDeps } from './helpers.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

async function rowCount(): Promise<number> {
  return (await database.db.select().from(problems)).length;
}

describe('problems', () => {
  it('refuses a NUL character anywhere in user text, naming where, and writes nothing', async () => {
    const deps = makeDeps(database.db);
    const before = (await database.db.select().from(problems)).length;
    await expect(createProblem(deps, { title: 'Neg\u0000ation' })).rejects.toThrow(
      /problem\.title contains a NUL/,
    );
    await expect(createProblem(deps, { title: 'ok', description: 'a\u0000' })).rejects.toThrow(
      /problem\.description/,
    );
    await expect(
      addPatterns(deps, [
        { problem: 'P-1', input: { text: 'x\u0000' }, expectation: { label: 'negative' } } as never,
      ]),
    ).rejects.toThrow(/pattern\.input\.text contains a NUL/);
    expect(await database.db.select().from(problems)).toHaveLength(before);
  });

  it('creates a problem with a fresh key, trimmed title and parsed threshold', async () => {
    const deps = makeDeps(database.db);
    const p = await createProblem(deps, {
      title: '  Sarcasm   read as praise ',
      threshold: '80%',
      severity: 'high',
      creatorId: 'U1',
    });
    expect(p.key).toMatch(/^P-\d+$/);
    expect(p.title).toBe('Sarcasm read as praise');
    expect(p.threshold).toBe(0.8);
    expect(p.severity).toBe('high');
    expect(p.ownerId).toBe('U1');
    expect(p.status).toBe('open');
    const again = await createProblem(deps, { title: 'Another', threshold: 0.5 });
    expect(Number(again.key.slice(2))).toBeGreaterThan(Number(p.key.slice(2)));
  });

  it.each([
    [{ title: '   ' }, 'title'],
    [{ title: 'ok', threshold: 1.5 }, 'threshold'],
    [{ title: 'ok', threshold: 'lots' }, 'threshold'],
    [{ title: 'ok', severity: 'apocalyptic' }, 'severity'],
  ])('refuses bad input %j and writes nothing', async (input, field) => {
    const deps = makeDeps(database.db);
    const before = await rowCount();
    const err = await createProblem(deps, input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CanaryError);
    expect((err as CanaryError).code).toBe('validation');
    expect((err as CanaryError).field).toBe(field);
    expect(await rowCount()).toBe(before);
  });

  it('finds by key in any case, or by exact title', async () => {
    const deps = makeDeps(database.db);
    const p = await createProblem(deps, { title: 'Negation flips sentiment' });
    expect((await findProblemByKeyOrTitle(database.db, p.key.toLowerCase()))?.id).toBe(p.id);
    expect((await findProblemByKeyOrTitle(database.db, 'negation flips sentiment'))?.id).toBe(p.id);
    expect(await findProblemByKeyOrTitle(database.db, 'Negation flips')).toBeNull();
    expect((await getProblem(deps, p.key)).title).toBe('Negation flips sentiment');
    await expect(getProblem(deps, 'P-999999')).rejects.toMatchObject({ code: 'problem_not_found' });
  });

  it('updates fields, clears a threshold with null, and keeps the first home thread', async () => {
    const deps = makeDeps(database.db);
    const p = await createProblem(deps, { title: 'Emoji ignored', threshold: 0.9 });
    const u = await updateProblem(deps, p.key, {
      status: 'monitoring',
      threshold: null,
      title: 'Emoji are ignored',
    });
    expect(u).toMatchObject({ status: 'monitoring', threshold: null, title: 'Emoji are ignored' });
    await expect(updateProblem(deps, p.key, { status: 'done-ish' })).rejects.toMatchObject({
      code: 'validation',
    });
    expect((await getProblem(deps, p.key)).status).toBe('monitoring');
    const homed = await setProblemHome(deps, p.id, { channel: 'C1', ts: '1.1' });
    expect(homed).toMatchObject({ homeChannel: 'C1', homeTs: '1.1' });
    const again = await setProblemHome(deps, p.id, { channel: 'C2', ts: '2.2' });
    expect(again).toMatchObject({ homeChannel: 'C1', homeTs: '1.1' });
  });

  it('lists with pattern counts and the latest models’ metrics, filtered by status', async () => {
    const deps = makeDeps(database.db);
    const p = await createProblem(deps, { title: 'Listed problem', threshold: 0.5 });
    const { created } = await addPatterns(deps, [
      {
        problem: p.key,
        input: 'a',
        expectation: { label: 'pos' },
        polarity: 'positive',
        source: 'contrived',
        notes: '',
      },
      {
        problem: p.key,
        input: 'b',
        expectation: { label: 'pos' },
        polarity: 'positive',
        source: 'contrived',
        notes: '',
      },
      {
        problem: p.key,
        input: 'c',
        expectation: { label: 'pos' },
        polarity: 'positive',
        source: 'contrived',
        notes: '',
      },
    ]);
    await setPatternActive(deps, created[2]!.id, false);
    const old = await insertModelRow(database.db, {
      name: 'm',
      version: 'old',
      registeredAt: new Date('2026-01-01'),
    });
    const m1 = await insertModelRow(database.db, {
      name: 'm',
      version: '1',
      registeredAt: new Date('2026-02-01'),
    });
    const m2 = await insertModelRow(database.db, {
      name: 'm',
      version: '2',
      registeredAt: new Date('2026-03-01'),
    });
    const m3 = await insertModelRow(database.db, {
      name: 'm',
      version: '3',
      registeredAt: new Date('2026-04-01'),
    });
    await insertModelRow(database.db, {
      name: 'm',
      version: 'gone',
      registeredAt: new Date('2026-05-01'),
      status: 'retired',
    });
    await insertResults(database.db, [
      { modelId: m2, pattern: created[0]!, status: 'passed' },
      { modelId: m2, pattern: created[1]!, status: 'failed' },
      { modelId: m2, pattern: created[2]!, status: 'passed' }, // inactive: not counted
      { modelId: m3, pattern: created[0]!, status: 'passed' },
      { modelId: m3, pattern: created[1]!, status: 'errored' },
      { modelId: old, pattern: created[0]!, status: 'failed' },
    ]);
    const list = await listProblems(deps, {});
    const mine = list.find((s) => s.problem.id === p.id);
    expect(mine).toMatchObject({ patternCount: 3, activePatternCount: 2 });
    expect(mine?.latest.map((l) => l.model)).toEqual(['m@1', 'm@2', 'm@3']);
    expect(mine?.latest[0]?.modelId).toBe(m1);
    expect(mine?.latest[0]?.metrics).toMatchObject({ n: 0, passRate: null });
    expect(mine?.latest[1]?.metrics).toMatchObject({ n: 2, passed: 1, failed: 1, errored: 0, passRate: 0.5 });
    expect(mine?.latest[2]?.metrics).toMatchObject({ n: 1, passed: 1, errored: 1, passRate: 1 });

    await updateProblem(deps, p.key, { status: 'resolved' });
    const open = await listProblems(deps, { status: ['open'] });
    expect(open.some((s) => s.problem.id === p.id)).toBe(false);
    const resolved = await listProblems(deps, { status: ['resolved'] });
    expect(resolved.map((s) => s.problem.id)).toEqual([p.id]);
  });
});
