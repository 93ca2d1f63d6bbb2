import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observationRatings, observations } from '../../src/db/schema.ts';
import { createApi } from '../../src/http/api.ts';
import { pruneObservations } from '../../src/services/observations.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { recordingScheduler, seedModel, serviceDeps } from './fixtures.ts';
import { listen } from './server.ts';

type Parsed = ReturnType<typeof JSON.parse>;
const TOKEN = 'obs-token-0123456789';
let database: TestDatabase;
let server: { url: string; close: () => Promise<void> };

beforeAll(async () => {
  database = await createTestDatabase();
  const app = createApi({
    ...serviceDeps(database.db, recordingScheduler(database.db)),
    tokens: [TOKEN],
    ping: async () => ({ postgres: true, redis: true }),
  });
  server = await listen(app);
  await seedModel(database.db, 'support-bot', 'v2');
  await seedModel(database.db, 'support-bot', 'v3');
});

afterAll(async () => {
  await server?.close();
  await database?.drop();
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Parsed = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json };
}

async function count(): Promise<number> {
  const [row] = await database.db.select({ n: sql<number>`count(*)::int` }).from(observations);
  return row?.n ?? 0;
}

const obs = (i: number, extra: Record<string, unknown> = {}) => ({
  model: 'support-bot@v3',
  input: `question ${i}`,
  output: `answer ${i}`,
  ...extra,
});

describe('POST /observations validation', () => {
  it.each([
    ['[1].model', [obs(0), { ...obs(1), model: 'no-version' }], /item 1: model: .*not a model reference/],
    ['[2].rating', [obs(0), obs(1), { ...obs(2), rating: 'meh' }], /item 2: rating: .*"up" or "down"/],
    ['[0].at', [{ ...obs(0), at: '2026-12-01 09:00' }], /item 0: at: .*ISO 8601/],
    ['[1].output', [obs(0), { ...obs(1), output: '' }], /item 1: output: The output is empty/],
    ['[0].colour', [{ ...obs(0), colour: 'red' }], /Unknown field "colour"/],
    ['[0].metadata.slack', [{ ...obs(0), metadata: { slack: { channel: 'C1', ts: 'x' } } }], /channel id/],
    ['[1].input', [obs(0), { ...obs(1), input: 'x'.repeat(5000) }], /5000 bytes; the limit is 4096/],
    ['[0].comment', [{ ...obs(0), comment: 'a\u0000b' }], /NUL/],
    ['[1].model', [obs(0), { ...obs(1), model: 'support-bot@v9' }], /item 1: model: no model support-bot@v9/],
  ])('refuses a bad %s, saving nothing', async (field, body, message) => {
    const before = await count();
    const res = await call('POST', '/observations', body);
    expect(res.status).toBe(400);
    expect(res.json.error.field).toBe(field);
    expect(res.json.error.message).toMatch(message);
    expect(await count()).toBe(before);
  });

  it('caps details for a batch with one systematic mistake, counting them all', async () => {
    const body = Array.from({ length: 300 }, (_, i) => ({ ...obs(i), rating: 'good' }));
    const res = await call('POST', '/observations', body);
    expect(res.status).toBe(400);
    expect(res.json.error.details).toHaveLength(50);
    expect(res.json.error.message).toMatch(/and 299 more/);
  });

  it('a lone metadata.channel is the application\u2019s own, not a Slack message', async () => {
    const res = await call('POST', '/observations', obs(77, { metadata: { channel: 'web', session: 's1' } }));
    expect(res.status).toBe(201);
    const row = await database.db.select().from(observations).where(sql`id = ${res.json.items[0].id}`);
    expect(row[0]?.slackChannel).toBeNull();
    expect(row[0]?.metadata).toEqual({ channel: 'web', session: 's1' });
  });

  it('lists every bad item in details', async () => {
    const res = await call('POST', '/observations', [
      obs(0),
      { ...obs(1), rating: 1 },
      { ...obs(2), input: 3 },
    ]);
    expect(res.status).toBe(400);
    expect(res.json.error.details.map((d: { index: number; field: string }) => [d.index, d.field])).toEqual([
      [1, 'rating'],
      [2, 'input'],
    ]);
    expect(res.json.error.message).toMatch(/and 1 more/);
  });
});

describe('POST /observations accounting and idempotency', () => {
  it('accounts per item in order and is idempotent by externalId', async () => {
    const first = await call('POST', '/observations', [
      obs(10, { externalId: 'e-10' }),
      obs(11),
      obs(12, { externalId: 'e-12', rating: 'down', user: 'U1' }),
      obs(10, { externalId: 'e-10' }),
    ]);
    expect(first.status).toBe(201);
    expect(first.json.created).toBe(3);
    expect(first.json.existing).toBe(1);
    const items = first.json.items as { index: number; id: number; status: string }[];
    expect(items.map((i) => i.status)).toEqual(['created', 'created', 'created', 'existing']);
    expect(items[3]?.id).toBe(items[0]?.id);

    const again = await call('POST', '/observations', [
      obs(12, { externalId: 'e-12', rating: 'down' }),
      obs(13, { externalId: 'e-13' }),
    ]);
    expect(again.json.items.map((i: { status: string }) => i.status)).toEqual(['existing', 'created']);
    expect(again.json.items[0].id).toBe(items[2]?.id);
    const ratings = await database.db.select().from(observationRatings);
    expect(ratings.filter((r) => r.observationId === items[2]?.id)).toHaveLength(1);
  });

  it('concurrent posts of the same externalIds store each once', async () => {
    const batch = Array.from({ length: 50 }, (_, i) => obs(100 + i, { externalId: `c-${i}` }));
    const reversed = [...batch].reverse();
    const [a, b] = await Promise.all([
      call('POST', '/observations', batch),
      call('POST', '/observations', reversed),
    ]);
    expect(a.json.created + b.json.created).toBe(50);
    expect(a.json.existing + b.json.existing).toBe(50);
    const [row] = await database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(observations)
      .where(sql`external_id like 'c-%'`);
    expect(row?.n).toBe(50);
  });
});

describe('GET /observations', () => {
  it('pages newest first with a cursor, filtered by model, rating and status', async () => {
    const base = Date.parse('2026-11-01T00:00:00Z');
    const items = Array.from({ length: 23 }, (_, i) =>
      obs(1000 + i, {
        model: 'support-bot@v2',
        at: new Date(base + (i % 7) * 60_000).toISOString(),
        ...(i % 3 === 0 ? { rating: 'down' } : {}),
      }),
    );
    await call('POST', '/observations', items);
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/observations?model=support-bot@v2&rating=down&status=untriaged&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await call('GET', q);
      expect(res.status).toBe(200);
      for (const o of res.json.observations) {
        expect(o.model).toBe('support-bot@v2');
        expect(o.ratings.down).toBe(1);
        seen.push(o.id);
      }
      cursor = res.json.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toHaveLength(8);
    expect(new Set(seen).size).toBe(8);
    expect(pages).toBe(3);
    const rows = await database.db
      .select()
      .from(observations)
      .where(sql`id in (${sql.join(seen, sql`,`)})`);
    const order = [...rows].sort((x, y) => y.at.getTime() - x.at.getTime() || y.id - x.id).map((r) => r.id);
    expect(seen).toEqual(order);
  });

  it.each([
    ['?limit=0', 'limit'],
    ['?rating=meh', 'rating'],
    ['?status=open', 'status'],
    ['?cursor=garbage', 'cursor'],
  ])('refuses %s', async (query, field) => {
    const res = await call('GET', `/observations${query}`);
    expect(res.status).toBe(400);
    expect(res.json.error.field).toBe(field);
  });

  it('is 404 for an unknown model', async () => {
    expect((await call('GET', '/observations?model=nope@v1')).status).toBe(404);
  });
});

describe('POST /observations/:id/rating', () => {
  it('sets, changes and withdraws one rater\u2019s rating', async () => {
    const created = await call('POST', '/observations', obs(2000));
    const id = created.json.items[0].id;
    let res = await call('POST', `/observations/${id}/rating`, { rating: 'up', user: 'U7' });
    expect(res.json.observation.ratings).toEqual({ up: 1, down: 0 });
    res = await call('POST', `/observations/${id}/rating`, { rating: 'down', user: 'U7' });
    expect(res.json.observation.ratings).toEqual({ up: 0, down: 1 });
    res = await call('POST', `/observations/${id}/rating`, { rating: 'up', user: 'U8' });
    expect(res.json.observation.ratings).toEqual({ up: 1, down: 1 });
    res = await call('POST', `/observations/${id}/rating`, { rating: null, user: 'U7' });
    expect(res.json.observation.ratings).toEqual({ up: 1, down: 0 });
    expect((await call('POST', `/observations/${id}/rating`, { rating: 'sideways' })).status).toBe(400);
    expect((await call('POST', '/observations/99999999/rating', { rating: 'up' })).status).toBe(404);
  });
});

describe('retention', () => {
  it('removes old untriaged observations only', async () => {
    const old = new Date(Date.now() - 400 * 24 * 3600 * 1000).toISOString();
    const res = await call('POST', '/observations', [
      obs(3000, { at: old, externalId: 'old-1' }),
      obs(3001, { at: old, externalId: 'old-2' }),
    ]);
    const [keepId] = res.json.items.map((i: { id: number }) => i.id);
    await database.db.update(observations).set({ status: 'dismissed' }).where(sql`id = ${keepId}`);
    const before = await count();
    const removed = await pruneObservations(serviceDeps(database.db), 365);
    expect(removed).toBe(1);
    expect(await count()).toBe(before - 1);
    const left = await database.db.select().from(observations).where(sql`external_id like 'old-%'`);
    expect(left.map((r) => r.externalId)).toEqual(['old-1']);
  });
});
