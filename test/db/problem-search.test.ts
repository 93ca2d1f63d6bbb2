import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchOpenProblems } from '../../src/db/queries/problem-search.ts';
import { insertProblem, updateProblemRow } from '../../src/db/queries/problems.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

describe('searchOpenProblems', () => {
  it('finds by words of the title or the key, open ones only, prefix matches first, wildcards literal', async () => {
    const db = database.db;
    const real = await insertProblem(db, { title: 'Negation is misread' });
    const inner = await insertProblem(db, { title: 'Double negation' });
    const closed = await insertProblem(db, { title: 'Negation of old' });
    await updateProblemRow(db, closed.id, { status: 'resolved' }, new Date());
    await insertProblem(db, { title: '100% sure' });
    expect((await searchOpenProblems(db, 'negation', 10)).map((p) => p.key)).toEqual([real.key, inner.key]);
    expect((await searchOpenProblems(db, ` ${real.key.toLowerCase()} `, 10))[0]?.key).toBe(real.key);
    expect((await searchOpenProblems(db, '%', 10)).map((p) => p.title)).toEqual(['100% sure']);
    expect(await searchOpenProblems(db, '_', 10)).toEqual([]);
    expect(await searchOpenProblems(db, '', 2)).toHaveLength(2);
  });
});
