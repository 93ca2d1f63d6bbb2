import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateObservation } from '../../src/core/observation.ts';
import { fisherExact } from '../../src/core/satisfaction.ts';
import { insertProblem } from '../../src/db/queries/problems.ts';
import { observations } from '../../src/db/schema.ts';
import { addObservations, rateObservation } from '../../src/services/observations.ts';
import { collectDigest } from '../../src/services/reporting/digest.ts';
import { gateReport } from '../../src/services/reporting/gate-report.ts';
import { modelReport } from '../../src/services/reports.ts';
import { satisfactionOverTime, satisfactionReport } from '../../src/services/satisfaction.ts';
import { patternFromObservation } from '../../src/services/triage.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { insertModelRow, makeDeps } from './helpers.ts';

let database: TestDatabase;
let deps: ReturnType<typeof makeDeps>;
const DAY = 24 * 3600 * 1000;
const start = Date.parse('2026-11-20T12:00:00Z');

/** What was generated, counted here without the database: the independent side of the check. */
const truth = new Map<string, { up: number; down: number }>();

/** Deterministic pseudo-random ratings: v2 about 74 % 👍, v3 about 86 %. */
function lcg(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

async function post(model: string, share: number, count: number, seed: number) {
  const rand = lcg(seed);
  const drafts = Array.from({ length: count }, (_, i) => {
    const r = rand();
    const rating = r < 0.1 ? undefined : rand() < share ? 'up' : 'down';
    const raw = {
      model,
      input: `q${seed}-${i % 17}`,
      output: `a${i}`,
      at: new Date(start + (i % 5) * DAY).toISOString(),
      ...(rating ? { rating, user: `u${i}` } : {}),
    };
    const checked = validateObservation(raw, 4096);
    if (!checked.ok) throw new Error('bad draft');
    const t = truth.get(model) ?? { up: 0, down: 0 };
    if (rating === 'up') t.up++;
    if (rating === 'down') t.down++;
    truth.set(model, t);
    return checked.value;
  });
  return addObservations(deps, drafts);
}

beforeAll(async () => {
  database = await createTestDatabase();
  deps = makeDeps(database.db);
  await insertModelRow(database.db, {
    name: 'bot',
    version: 'v2',
    registeredAt: new Date(start - 9 * DAY),
    status: 'production',
  });
  await insertModelRow(database.db, { name: 'bot', version: 'v3', registeredAt: new Date(start - 8 * DAY) });
  await insertModelRow(database.db, { name: 'bot', version: 'v4', registeredAt: new Date(start - 7 * DAY) });
  await post('bot@v2', 0.74, 600, 1);
  const v3 = await post('bot@v3', 0.86, 600, 2);
  // A second rater on some v3 outputs, and a change of mind, through the API.
  for (const item of v3.items.slice(0, 40))
    await rateObservation(deps, { id: item.id, rating: 'down', rater: 'second' });
  for (const item of v3.items.slice(0, 10))
    await rateObservation(deps, { id: item.id, rating: 'up', rater: 'second' });
  const t = truth.get('bot@v3') as { up: number; down: number };
  t.up += 10;
  t.down += 30;
  await post('bot@v4', 0.6, 300, 3);
});

afterAll(async () => {
  await database?.drop();
});

describe('satisfaction figures', () => {
  it('equal an independent count, with Fisher against production', async () => {
    const report = await satisfactionReport(deps, { name: 'bot', version: 'v3' });
    const mine = truth.get('bot@v3') as { up: number; down: number };
    const prod = truth.get('bot@v2') as { up: number; down: number };
    expect(report.satisfaction).toMatchObject({ up: mine.up, down: mine.down, n: mine.up + mine.down });
    expect(report.satisfaction.share).toBeCloseTo(mine.up / (mine.up + mine.down), 12);
    expect(report.baseline?.model).toBe('bot@v2');
    expect(report.baseline?.satisfaction).toMatchObject(prod);
    expect(report.p).toBeCloseTo(fisherExact(mine.up, mine.down, prod.up, prod.down), 14);
    expect(report.line).toMatch(/^users: \d+% 👍 on v3 \[\d+–\d+%\] vs \d+% on v2, p (=|<) [\d.]+$/);
    // And the raw ratings table agrees with the counters the figures come from.
    const [raw] = (await database.db.execute<{ up: number; down: number }>(sql`
      select count(*) filter (where r.rating = 'up')::int as up, count(*) filter (where r.rating = 'down')::int as down
      from observation_ratings r join observations o on o.id = r.observation_id join models m on m.id = o.model_id
      where m.version = 'v3'`)) as unknown as { up: number; down: number }[];
    expect(raw).toEqual(mine);
  });

  it('the gate with --ratings fails on a significant drop, and only then', async () => {
    const dropped = await gateReport(deps, { model: { name: 'bot', version: 'v4' }, ratings: true });
    expect(dropped.satisfaction.droppedSignificantly).toBe(true);
    expect(dropped.verdict.pass).toBe(false);
    expect(dropped.verdict.reasons.at(-1)).toMatch(
      /satisfaction dropped significantly: users: \d+% 👍 on v4/,
    );
    const without = await gateReport(deps, { model: { name: 'bot', version: 'v4' } });
    expect(without.verdict.reasons.some((r) => r.includes('satisfaction'))).toBe(false);
    const better = await gateReport(deps, { model: { name: 'bot', version: 'v3' }, ratings: true });
    expect(better.satisfaction.droppedSignificantly).toBe(false);
    expect(better.verdict.reasons.some((r) => r.includes('satisfaction'))).toBe(false);
  });

  it('the REST/CLI model report carries the same figures', async () => {
    const report = await modelReport(deps, { name: 'bot', version: 'v3' });
    expect(report.satisfaction).toEqual(await satisfactionReport(deps, { name: 'bot', version: 'v3' }));
  });

  it('the digest says it in one line per model name', async () => {
    const now = new Date(start + 10 * DAY);
    const digest = await collectDigest({ db: database.db }, { since: new Date(now.getTime() - DAY), now });
    const users = digest.sections.find((s) => s.title === 'What users think');
    expect(users?.lines).toHaveLength(1);
    const v4 = truth.get('bot@v4') as { up: number; down: number };
    const pct = Math.round((100 * v4.up) / (v4.up + v4.down));
    expect(users?.lines[0]).toMatch(
      new RegExp(`^bot — users: ${pct}% 👍 on v4 \\[\\d+–\\d+%\\] vs \\d+% on v2, p < 0\\.001$`),
    );
  });

  it('over time: one share per version per rated day, equal to the day’s count', async () => {
    const series = await satisfactionOverTime(deps, 'bot');
    expect(series.days).toHaveLength(5);
    expect(series.versions.map((v) => v.model)).toEqual(['bot@v2', 'bot@v3', 'bot@v4']);
    const rows = await database.db
      .select({
        ups: observations.ups,
        downs: observations.downs,
        at: observations.at,
        modelId: observations.modelId,
      })
      .from(observations);
    const v2 = series.versions[0];
    const firstDay = rows.filter(
      (r) => r.modelId === 1 && r.at.toISOString().startsWith(series.days[0] as string),
    );
    const up = firstDay.reduce((s, r) => s + r.ups, 0);
    const n = firstDay.reduce((s, r) => s + r.ups + r.downs, 0);
    expect(v2?.n[0]).toBe(n);
    expect(v2?.shares[0]).toBeCloseTo(up / n, 12);
  });

  it('per problem: the ratings of the observations its patterns were made from', async () => {
    const problem = await insertProblem(database.db, { title: 'Answers users complained about' });
    const [complaint] = await database.db
      .select()
      .from(observations)
      .where(
        sql`${observations.downs} > 0 and ${observations.status} = 'untriaged' and ${observations.modelId} = 2`,
      )
      .limit(1);
    await patternFromObservation(deps, {
      observationId: complaint?.id as number,
      problem: problem.key,
      expectation: { label: 'helpful' },
      by: 'U1',
    });
    const linked = await database.db
      .select()
      .from(observations)
      .where(sql`${observations.patternId} is not null and ${observations.modelId} = 2`);
    const expected = {
      up: linked.reduce((n, r) => n + r.ups, 0),
      down: linked.reduce((n, r) => n + r.downs, 0),
    };
    expect(expected.down).toBeGreaterThan(0);
    const report = await satisfactionReport(deps, { name: 'bot', version: 'v3' });
    expect(report.perProblem).toEqual([
      { key: problem.key, title: problem.title, satisfaction: expect.objectContaining(expected) },
    ]);
  });
});
