import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImport } from '../../src/core/import-format.ts';
import { evaluations, patterns, problems } from '../../src/db/schema.ts';
import { createApi } from '../../src/http/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import {
  recordingScheduler,
  seedModel,
  seedProblem,
  seedResults,
  serviceDeps,
  statuses,
} from './fixtures.ts';
import { listen } from './server.ts';

/** Whatever JSON.parse gives back: response bodies and parsed XML are checked by the assertions. */
type Parsed = ReturnType<typeof JSON.parse>;

const TOKEN = 'test-token-0123456789';
let database: TestDatabase;
let server: { url: string; close: () => Promise<void> };
let scheduler: ReturnType<typeof recordingScheduler>;
let ready = { postgres: true, redis: true };

beforeAll(async () => {
  database = await createTestDatabase();
  scheduler = recordingScheduler(database.db);
  const app = createApi({
    ...serviceDeps(database.db, scheduler),
    tokens: ['another-token', TOKEN],
    ping: async () => ready,
    maxBodyBytes: 64 * 1024,
  });
  server = await listen(app);
});

afterAll(async () => {
  await server?.close();
  await database?.drop();
});

async function call(method: string, path: string, body?: unknown, token: string | null = TOKEN) {
  const headers: Record<string, string> = {};
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Parsed = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json, text, headers: res.headers };
}

/** The summary a finished evaluation stores, for the seeded problem. */
async function summarizeEvaluationOf(modelId: number, problemId: number) {
  const [problem] = await database.db.select().from(problems).where(eq(problems.id, problemId));
  return {
    perProblem: [
      {
        problemId,
        key: problem?.key,
        title: problem?.title,
        threshold: null,
        metrics: { n: 2, passed: 2, failed: 0, errored: 0, flaky: 0, passRate: 1, ci: [0.34, 1], modelId },
      },
    ],
  };
}

async function patternCount(): Promise<number> {
  return (await database.db.select().from(patterns)).length;
}

describe('health', () => {
  it('answers /healthz without a token', async () => {
    const res = await call('GET', '/healthz', undefined, null);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 when Postgres and Redis answer, 503 otherwise', async () => {
    expect((await call('GET', '/readyz', undefined, null)).status).toBe(200);
    ready = { postgres: true, redis: false };
    const down = await call('GET', '/readyz', undefined, null);
    ready = { postgres: true, redis: true };
    expect(down.status).toBe(503);
    expect(down.json.checks).toEqual({ postgres: true, redis: false });
  });
});

describe('auth', () => {
  it('refuses a request without a token with 401 and an error body', async () => {
    const res = await call('GET', '/api/v1/problems', undefined, null);
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('unauthorized');
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
  });

  it.each([
    ['a wrong token', 'test-token-0123456788'],
    ['a prefix of the token', 'test-token'],
    ['a longer token', `${TOKEN}x`],
  ])('refuses %s with 401', async (_, token) => {
    const res = await call('GET', '/api/v1/problems', undefined, token);
    expect(res.status).toBe(401);
    expect(res.json.error.message).toMatch(/not valid/);
  });

  it('accepts any configured token', async () => {
    expect((await call('GET', '/api/v1/problems', undefined, 'another-token')).status).toBe(200);
  });

  it('refuses everything but health with 503 when no tokens are configured', async () => {
    const app = createApi({ ...serviceDeps(database.db), tokens: [], ping: async () => ready });
    const bare = await listen(app);
    try {
      const res = await fetch(`${bare.url}/api/v1/problems`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(res.status).toBe(503);
      expect(((await res.json()) as Parsed).error.message).toContain('CANARY_API_TOKENS');
      expect((await fetch(`${bare.url}/healthz`)).status).toBe(200);
    } finally {
      await bare.close();
    }
  });
});

describe('problems', () => {
  it('creates a problem and answers 201 with its key', async () => {
    const res = await call('POST', '/api/v1/problems', { title: 'Sarcasm read as praise', threshold: '80%' });
    expect(res.status).toBe(201);
    expect(res.json.key).toMatch(/^P-\d+$/);
    expect(res.json.problem.threshold).toBe(0.8);
  });

  it.each([
    ['a missing title', {}, 'title'],
    ['a title that is not text', { title: 42 }, 'title'],
    ['an empty title', { title: '   ' }, 'title'],
    ['a threshold above 100%', { title: 'x', threshold: 1.5 }, 'threshold'],
    ['an unknown field', { title: 'x', colour: 'red' }, 'colour'],
  ])('refuses %s with 400 naming the field', async (_, body, field) => {
    const res = await call('POST', '/api/v1/problems', body);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'validation', field });
  });

  it('refuses malformed JSON and an empty body with 400', async () => {
    expect((await call('POST', '/api/v1/problems', '{"title": ')).status).toBe(400);
    const empty = await call('POST', '/api/v1/problems', '');
    expect(empty.status).toBe(400);
    expect(empty.json.error.code).toBe('validation');
  });

  it('refuses a body over the size limit with 413', async () => {
    const res = await call('POST', '/api/v1/problems', { title: 'big', description: 'x'.repeat(100 * 1024) });
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('too_large');
  });

  it('lists, reads, updates and 404s problems', async () => {
    const created = await call('POST', '/api/v1/problems', { title: 'Negation ignored' });
    const key = created.json.key as string;
    const list = await call('GET', '/api/v1/problems');
    expect(list.status).toBe(200);
    expect(list.json.problems.map((s: Parsed) => s.problem.key)).toContain(key);
    const open = await call('GET', '/api/v1/problems?status=open,monitoring');
    expect(open.status).toBe(200);
    expect((await call('GET', '/api/v1/problems?status=asleep')).status).toBe(400);

    const patched = await call('PATCH', `/api/v1/problems/${key}`, { threshold: 0.9, status: 'monitoring' });
    expect(patched.status).toBe(200);
    expect(patched.json.problem).toMatchObject({ threshold: 0.9, status: 'monitoring' });

    expect((await call('PATCH', `/api/v1/problems/${key}`, { status: 'sleeping' })).status).toBe(400);
    expect((await call('PATCH', '/api/v1/problems/P-99999', { threshold: 0.5 })).status).toBe(404);
    expect((await call('GET', '/api/v1/problems/P-99999/history')).status).toBe(404);
    expect((await call('GET', '/api/v1/problems/P-99999/patterns')).status).toBe(404);
  });
});

describe('patterns', () => {
  let key: string;
  beforeAll(async () => {
    key = (await call('POST', '/api/v1/problems', { title: 'Emoji sentiment' })).json.key;
  });

  it('adds one pattern from an object, and finds the same one again instead of duplicating it', async () => {
    const body = { problem: key, input: 'love it 😍', expect: { label: 'positive' } };
    const first = await call('POST', '/api/v1/patterns', body);
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ created: 1, existing: 0 });
    const again = await call('POST', '/api/v1/patterns', body);
    expect(again.json).toMatchObject({ created: 0, existing: 1 });
  });

  it('refuses an array with one bad item with 400 naming its index, and writes nothing', async () => {
    const before = await patternCount();
    const res = await call('POST', '/api/v1/patterns', [
      { problem: key, input: 'fine 👍', expect: { label: 'positive' } },
      { problem: key, input: '', expect: { label: 'positive' } },
      { problem: key, input: 'bad 👎', expect: { label: 'negative' } },
    ]);
    expect(res.status).toBe(400);
    expect(res.json.error.field).toBe('[1].input');
    expect(res.json.error.details).toEqual([expect.objectContaining({ index: 1, field: 'input' })]);
    expect(await patternCount()).toBe(before);
  });

  it('refuses an array naming an unknown problem with 404 and writes nothing', async () => {
    const before = await patternCount();
    const res = await call('POST', '/api/v1/patterns', [
      { problem: key, input: 'ok 👌', expect: { label: 'positive' } },
      { problem: 'P-99999', input: 'meh', expect: { label: 'neutral' } },
    ]);
    expect(res.status).toBe(404);
    expect(await patternCount()).toBe(before);
  });

  it('creates problems named by title only when asked', async () => {
    const body = [{ problem: 'Brand new problem', input: 'text', expect: { label: 'x' } }];
    expect((await call('POST', '/api/v1/patterns', body)).status).toBe(404);
    const res = await call('POST', '/api/v1/patterns?createProblems=true', body);
    expect(res.status).toBe(201);
    expect(res.json.problemsCreated).toHaveLength(1);
    expect((await call('POST', '/api/v1/patterns?createProblems=maybe', body)).status).toBe(400);
  });

  it('lists a problem’s patterns and exports JSONL that validates as an import', async () => {
    const list = await call('GET', `/api/v1/problems/${key}/patterns`);
    expect(list.status).toBe(200);
    expect(list.json.patterns).toHaveLength(1);
    const exported = await call('GET', `/api/v1/patterns/export?problem=${key}`);
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toContain('application/x-ndjson');
    const parsed = parseImport(exported.text, 'jsonl', 4096);
    expect(parsed.errors).toEqual([]);
    expect(parsed.drafts.map((d) => d.draft)).toEqual([
      expect.objectContaining({ problem: key, input: 'love it 😍', expectation: { label: 'positive' } }),
    ]);
    expect((await call('GET', '/api/v1/patterns/export?problem=P-99999')).status).toBe(404);
  });

  it('refuses a body that is neither an object nor an array with 400', async () => {
    expect((await call('POST', '/api/v1/patterns', '"just text"')).status).toBe(400);
    expect((await call('POST', '/api/v1/patterns', [])).status).toBe(400);
  });
});

describe('models, evaluations, reports, gate, compare', () => {
  const endpoint = { adapter: 'http', url: 'http://models.internal/predict' };

  it('registers a model: 201 with its id and evaluation id, queued through the scheduler', async () => {
    const res = await call('POST', '/api/v1/models', {
      name: 'sentiment',
      version: 'v1',
      endpoint: { ...endpoint, timeoutMs: 2000 },
      metrics: { auc: 0.91 },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ id: expect.any(Number), evaluationId: expect.any(Number) });
    expect(scheduler.calls.at(-1)).toMatchObject({ modelId: res.json.id, trigger: 'register' });
    const evaluation = await call('GET', `/api/v1/evaluations/${res.json.evaluationId}`);
    expect(evaluation.status).toBe(200);
    expect(evaluation.json).toMatchObject({ status: 'queued', done: 0, total: 0, perProblem: null });
  });

  it('refuses a duplicate with 409, a bad endpoint with 400 and a host outside the allowlist with 400', async () => {
    const dup = await call('POST', '/api/v1/models', { name: 'sentiment', version: 'v1', endpoint });
    expect(dup.status).toBe(409);
    expect(dup.json.error.code).toBe('duplicate');
    const adapter = await call('POST', '/api/v1/models', {
      name: 'sentiment',
      version: 'v9',
      endpoint: { adapter: 'carrier-pigeon', url: 'http://models.internal/' },
    });
    expect(adapter.status).toBe(400);
    expect(adapter.json.error.field).toBe('endpoint');
    const host = await call('POST', '/api/v1/models', {
      name: 'sentiment',
      version: 'v9',
      endpoint: { adapter: 'http', url: 'http://evil.example.com/predict' },
    });
    expect(host.status).toBe(400);
    expect(host.json.error).toMatchObject({ code: 'endpoint_refused', field: 'endpoint.url' });
    expect((await call('POST', '/api/v1/models', { name: 'sentiment' })).status).toBe(400);
    expect(
      (await call('POST', '/api/v1/models', { name: 'x', version: 'y', endpoint, repeats: 'many' })).status,
    ).toBe(400);
  });

  it.each([
    ['<b>x</b>', 'v1', 'name'],
    ['team@model', 'v1', 'name'],
    ['has space', 'v1', 'name'],
    ['tab\tname', 'v1', 'name'],
    ['ok', 'v<1>', 'version'],
    ['ok', ' v1', 'version'],
  ])(
    'refuses the name %j / version %j with a 400 on the offending field, as Slack would',
    async (name, version, field) => {
      const res = await call('POST', '/api/v1/models', { name, version, endpoint });
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({
        code: 'validation',
        field,
        message: expect.stringMatching(/is not a valid (model name|version)/),
      });
    },
  );

  it('lists and promotes models; 404 for unknown ones', async () => {
    const list = await call('GET', '/api/v1/models');
    expect(list.json.models.map((m: Parsed) => `${m.name}@${m.version}`)).toContain('sentiment@v1');
    const promoted = await call('POST', '/api/v1/models/sentiment/v1/promote');
    expect(promoted.status).toBe(200);
    expect(promoted.json.model.status).toBe('production');
    expect((await call('POST', '/api/v1/models/sentiment/v404/promote')).status).toBe(404);
  });

  it('re-runs missing patterns on request: 202 with the evaluation id', async () => {
    const before = scheduler.calls.length;
    const res = await call('POST', '/api/v1/models/sentiment/v1/evaluate');
    expect(res.status).toBe(202);
    expect(res.json.evaluationId).toEqual(expect.any(Number));
    expect(scheduler.calls.slice(before)).toEqual([expect.objectContaining({ onlyMissing: true })]);
    expect((await call('POST', '/api/v1/models/nobody/v1/evaluate')).status).toBe(404);
  });

  it('404s an unknown evaluation and 400s a malformed id', async () => {
    expect((await call('GET', '/api/v1/evaluations/999999')).status).toBe(404);
    expect((await call('GET', '/api/v1/evaluations/abc')).status).toBe(400);
  });

  it('reports per-problem numbers, gates, compares and shows history from real results', async () => {
    const deps = serviceDeps(database.db);
    const { problem, revisions } = await seedProblem(deps, {
      title: 'Report problem',
      threshold: 0.8,
      count: 10,
    });
    const base = await seedModel(database.db, 'reporter', 'v1');
    const cand = await seedModel(database.db, 'reporter', 'v2');
    await seedResults(database.db, base, problem, revisions, statuses(10, 0));
    await seedResults(database.db, cand, problem, revisions, statuses(6, 3, 1));

    const report = await call('GET', '/api/v1/models/reporter/v2/report');
    expect(report.status).toBe(200);
    const row = report.json.problems.find((p: Parsed) => p.key === problem.key);
    expect(row).toMatchObject({
      n: 9,
      passed: 6,
      failed: 3,
      errored: 1,
      threshold: 0.8,
      meetsThreshold: false,
    });
    expect(row.passRate).toBeCloseTo(6 / 9);
    expect(row.ci).toHaveLength(2);

    const gate = await call('GET', '/api/v1/models/reporter/v2/gate?baseline=reporter@v1&strict=true');
    expect(gate.status).toBe(200);
    expect(gate.json.verdict.pass).toBe(false);
    expect(gate.json.baseline).toMatchObject({ name: 'reporter', version: 'v1' });
    expect(gate.json.patterns.filter((p: Parsed) => p.problemKey === problem.key)).toHaveLength(10);
    expect((await call('GET', '/api/v1/models/reporter/v2/gate?baseline=nonsense')).status).toBe(400);
    expect((await call('GET', '/api/v1/models/reporter/v2/gate?baseline=ghost@v0')).status).toBe(404);
    expect((await call('GET', '/api/v1/models/reporter/v9/gate')).status).toBe(404);

    const compare = await call('GET', '/api/v1/compare?a=reporter@v1&b=reporter@v2');
    expect(compare.status).toBe(200);
    const cmp = compare.json.problems.find((p: Parsed) => p.key === problem.key);
    expect(cmp.comparison.broken).toHaveLength(3);
    expect((await call('GET', '/api/v1/compare?a=reporter@v1')).status).toBe(400);
    expect((await call('GET', '/api/v1/compare?a=reporter@v1&b=reporter@v404')).status).toBe(404);

    const history = await call('GET', `/api/v1/problems/${problem.key}/history`);
    expect(history.status).toBe(200);
    expect(history.json.points.map((p: Parsed) => p.model)).toEqual(['reporter@v1', 'reporter@v2']);
    expect((await call('GET', '/api/v1/models/reporter/v404/report')).status).toBe(404);
  });

  it('shows per-problem results once an evaluation is done', async () => {
    const deps = serviceDeps(database.db);
    const { problem, revisions } = await seedProblem(deps, {
      title: 'Done problem',
      threshold: null,
      count: 2,
    });
    const modelId = await seedModel(database.db, 'finisher', 'v1');
    const { evaluationId } = await scheduler.evaluateModel({ modelId, trigger: 'manual' });
    await seedResults(database.db, modelId, problem, revisions, statuses(2, 0));
    const summary = await summarizeEvaluationOf(modelId, problem.id);
    await database.db
      .update(evaluations)
      .set({ status: 'done', summary, doneCount: 2, total: 2 })
      .where(eq(evaluations.id, evaluationId));
    const res = await call('GET', `/api/v1/evaluations/${evaluationId}`);
    expect(res.json.status).toBe('done');
    expect(res.json.perProblem).toEqual([expect.objectContaining({ key: problem.key })]);
  });
});

describe('unknown routes', () => {
  it('answers 404 with an error body', async () => {
    const res = await call('GET', '/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('not_found');
  });

  it('never answers 500 for a problem key that is not a key', async () => {
    const res = await call('GET', '/api/v1/problems/%00%FF/patterns');
    expect(res.status).toBe(404);
    expect((await database.db.select().from(problems).where(eq(problems.key, 'x'))).length).toBe(0);
  });
});
