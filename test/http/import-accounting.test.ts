import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertProblem } from '../../src/db/queries/problems.ts';
import { createApi } from '../../src/http/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { recordingScheduler, serviceDeps } from './fixtures.ts';
import { listen } from './server.ts';

/** POST /patterns accounts for every item it was sent, over real HTTP, at a real import's size. */
const TOKEN = 'test-token-accounting';
let database: TestDatabase;
let server: { url: string; close: () => Promise<void> };

beforeAll(async () => {
  database = await createTestDatabase();
  const app = createApi({
    ...serviceDeps(database.db, recordingScheduler(database.db)),
    tokens: [TOKEN],
    ping: async () => ({ postgres: true, redis: true }),
    // Small general limit: the import route has its own, larger one.
    maxBodyBytes: 64 * 1024,
  });
  server = await listen(app);
});

afterAll(async () => {
  await server?.close();
  await database?.drop();
});

async function post(body: unknown) {
  const res = await fetch(`${server.url}/api/v1/patterns`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const item = (problem: string, text: string) => ({ problem, input: { text }, expect: { label: 'negative' } });

describe('POST /patterns accounting', () => {
  it('240 items with one repeat: 239 created + 1 repeat = 240 sent, each item in order with its id', async () => {
    const problem = await insertProblem(database.db, { title: 'Accounting over HTTP' });
    const body = Array.from({ length: 239 }, (_, i) => item(problem.key, `row ${i}`));
    body.splice(120, 0, item(problem.key, 'row 7'));
    const { status, json } = await post(body);
    expect(status).toBe(201);
    expect(json).toMatchObject({ sent: 240, created: 239, existing: 0, repeats: 1 });
    const items = json.items as { status: string; id: number | null; of?: number }[];
    expect(items).toHaveLength(240);
    expect(items[120]).toEqual({ status: 'repeat', id: items[7]?.id, of: 7 });
    expect(items.filter((i) => i.status === 'created')).toHaveLength(239);

    // Sent again: every item is already there, the repeat still says which earlier item it repeats.
    const again = await post(body);
    expect(again.json).toMatchObject({ sent: 240, created: 0, existing: 239, repeats: 1 });
    const againItems = again.json.items as { status: string; id: number | null }[];
    expect(againItems.map((i) => i.id)).toEqual(items.map((i) => i.id));
  });

  it('a 12,000-pattern import, larger than the general body limit, is answered 201 with every item', async () => {
    const problem = await insertProblem(database.db, { title: 'Big import over HTTP' });
    const body = Array.from({ length: 12_000 }, (_, i) => item(problem.key, `big ${i}`));
    const { status, json } = await post(body);
    expect(status).toBe(201);
    expect(json).toMatchObject({ sent: 12_000, created: 12_000, existing: 0, repeats: 0 });
  }, 120_000);
});
