import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patterns, problems } from '../../src/db/schema.ts';
import { addPatterns } from '../../src/services/patterns.ts';
import { createProblem, updateProblem } from '../../src/services/problems.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { makeDeps } from './helpers.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

const draft = (problem: string, input: string) => ({
  problem,
  input,
  expectation: { label: 'negative' },
  polarity: 'positive' as const,
  source: 'import' as const,
  notes: '',
});

async function count(table: typeof problems | typeof patterns): Promise<number> {
  const [row] = await database.db.select({ n: sql<number>`count(*)::int` }).from(table);
  return row?.n ?? 0;
}

describe('open problem titles are unique, case-insensitively', () => {
  it('a second open problem with the same title is refused, naming the existing key', async () => {
    const deps = makeDeps(database.db);
    const first = await createProblem(deps, { title: 'Sarcasm read as praise' });
    await expect(createProblem(deps, { title: '  SARCASM read as PRAISE ' })).rejects.toMatchObject({
      code: 'duplicate',
      field: 'title',
      message: expect.stringContaining(`${first.key} already has that title`),
    });
  });

  it('the database refuses concurrent creations: ten at once make one problem', async () => {
    const deps = makeDeps(database.db);
    const before = await count(problems);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        createProblem(deps, { title: i % 2 ? 'Race title' : 'RACE TITLE' }),
      ),
    );
    const made = outcomes.filter((o) => o.status === 'fulfilled');
    expect(made).toHaveLength(1);
    const key = (made[0] as PromiseFulfilledResult<{ key: string }>).value.key;
    for (const o of outcomes.filter((x) => x.status === 'rejected')) {
      expect((o as PromiseRejectedResult).reason).toMatchObject({
        code: 'duplicate',
        message: expect.stringContaining(`${key} already has that title`),
      });
    }
    expect(await count(problems)).toBe(before + 1);
  });

  it('a resolved problem frees its title; reopening it or renaming onto an open title is refused', async () => {
    const deps = makeDeps(database.db);
    const old = await createProblem(deps, { title: 'Emoji ignored' });
    await updateProblem(deps, old.key, { status: 'resolved' });
    const again = await createProblem(deps, { title: 'emoji ignored' });
    await expect(updateProblem(deps, old.key, { status: 'open' })).rejects.toMatchObject({
      code: 'duplicate',
      message: expect.stringContaining(`${again.key} already has that title`),
    });
    const other = await createProblem(deps, { title: 'Something else' });
    await expect(updateProblem(deps, other.key, { title: 'EMOJI IGNORED' })).rejects.toMatchObject({
      code: 'duplicate',
    });
    // Changing only the case of its own title is fine.
    expect((await updateProblem(deps, other.key, { title: 'SOMETHING ELSE' })).title).toBe('SOMETHING ELSE');
  });

  it('an import naming a title two problems share is refused with the items, and nothing is written', async () => {
    const deps = makeDeps(database.db);
    const a = await createProblem(deps, { title: 'Negation misread' });
    await updateProblem(deps, a.key, { status: 'resolved' });
    const b = await createProblem(deps, { title: 'NEGATION MISREAD' });
    const [p, q] = [await count(problems), await count(patterns)];
    const err = await addPatterns(
      deps,
      [
        draft(b.key, 'by key'),
        draft('negation misread', 'x'),
        draft('Other new', 'y'),
        draft('negation misread', 'z'),
      ],
      { createProblems: true },
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ambiguous_problem',
      field: '[1].problem',
      message: expect.stringContaining(
        `"negation misread" (items 1, 3) is the title of ${a.key} and ${b.key}`,
      ),
    });
    expect([await count(problems), await count(patterns)]).toEqual([p, q]);
    // By key it goes in.
    expect((await addPatterns(deps, [draft(b.key, 'by key')])).created).toHaveLength(1);
  });
});
