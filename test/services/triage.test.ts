import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateObservation } from '../../src/core/observation.ts';
import { insertProblem } from '../../src/db/queries/problems.ts';
import { observations, patterns } from '../../src/db/schema.ts';
import { addObservations } from '../../src/services/observations.ts';
import { dismissObservation, patternFromObservation, triageQueue } from '../../src/services/triage.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { insertModelRow, makeDeps } from './helpers.ts';

let database: TestDatabase;
let deps: ReturnType<typeof makeDeps>;
const base = Date.parse('2026-12-01T08:00:00Z');

function draft(input: unknown, output: string, minutes: number, rating?: 'up' | 'down', model = 'bot@v1') {
  const checked = validateObservation(
    {
      model,
      input,
      output,
      at: new Date(base + minutes * 60_000).toISOString(),
      ...(rating ? { rating } : {}),
    },
    4096,
  );
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  return checked.value;
}

beforeAll(async () => {
  database = await createTestDatabase();
  deps = makeDeps(database.db);
  await insertModelRow(database.db, { name: 'bot', version: 'v1', registeredAt: new Date(base - 1e9) });
  await insertModelRow(database.db, { name: 'bot', version: 'v2', registeredAt: new Date(base - 1e8) });
  await insertProblem(database.db, { title: 'Parcel questions', threshold: 0.9 });
  await addObservations(deps, [
    draft('Where is my parcel?', 'banana', 1, 'down'),
    draft('Where is my parcel? ', 'banana again', 5, 'down', 'bot@v2'),
    draft({ b: 2, a: 1 }, 'x', 2, 'down'),
    draft({ a: 1, b: 2 }, 'y', 3, 'down'),
    draft('Cancel my order', 'ok', 4, 'up'),
    draft('Refund?', 'no', 6, 'down'),
    draft('Unrated', 'hm', 7),
  ]);
});

afterAll(async () => {
  await database?.drop();
});

describe('triage', () => {
  it('lists 👎 untriaged newest first, identical inputs grouped with a count', async () => {
    const queue = await triageQueue(deps);
    expect(queue.map((g) => [g.observation.input, g.count])).toEqual([
      ['Refund?', 1],
      ['Where is my parcel? ', 2],
      [{ a: 1, b: 2 }, 2],
    ]);
    expect(queue[1]?.models).toEqual(['bot@v2', 'bot@v1']);
  });

  it('Add as pattern makes a production pattern linked to the whole group, back-filled as usual', async () => {
    const [, parcel] = await triageQueue(deps);
    if (!parcel) throw new Error('no group');
    const { pattern, created, linked } = await patternFromObservation(deps, {
      observationId: parcel.observation.id,
      problem: 'Parcel questions',
      expectation: { contains: 'tracking' },
      by: 'U0TRIAGER',
      permalink: 'https://example.slack.com/archives/C1/p1',
    });
    expect(created).toBe(true);
    expect(linked).toBe(2);
    expect(pattern).toMatchObject({
      source: 'production',
      input: 'Where is my parcel? ',
      creatorId: 'U0TRIAGER',
    });
    expect(pattern.sourcePermalink).toBe('https://example.slack.com/archives/C1/p1');
    // Back-filled as any added pattern is: one back-fill for the add that made it.
    expect(deps.scheduler.backfills.length + deps.scheduler.adds.length).toBe(1);
    const rows = await database.db.select().from(observations).where(eq(observations.patternId, pattern.id));
    expect(rows.map((r) => r.status)).toEqual(['patterned', 'patterned']);
    expect((await triageQueue(deps)).map((g) => g.observation.input)).toEqual(['Refund?', { a: 1, b: 2 }]);
    expect(await database.db.select().from(patterns)).toHaveLength(1);
  });

  it('Dismiss needs a reason and removes the group from the queue', async () => {
    const [refund] = await triageQueue(deps);
    if (!refund) throw new Error('no group');
    await expect(
      dismissObservation(deps, { observationId: refund.observation.id, reason: ' ', by: 'U1' }),
    ).rejects.toThrow(/Say why/);
    expect(
      await dismissObservation(deps, { observationId: refund.observation.id, reason: 'spam', by: 'U1' }),
    ).toEqual({
      dismissed: 1,
    });
    const [row] = await database.db
      .select()
      .from(observations)
      .where(eq(observations.id, refund.observation.id));
    expect(row).toMatchObject({ status: 'dismissed', dismissReason: 'spam', triagedBy: 'U1' });
    expect((await triageQueue(deps)).map((g) => g.count)).toEqual([2]);
  });

  it('refuses an unknown problem without marking anything', async () => {
    const [group] = await triageQueue(deps);
    if (!group) throw new Error('no group');
    await expect(
      patternFromObservation(deps, {
        observationId: group.observation.id,
        problem: 'P-999',
        expectation: { label: 'x' },
        by: null,
      }),
    ).rejects.toThrow(/No problem is called "P-999"/);
    expect((await triageQueue(deps)).map((g) => g.count)).toEqual([2]);
  });
});
