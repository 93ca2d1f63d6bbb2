import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertProblem } from '../../src/db/queries/problems.ts';
import { patterns } from '../../src/db/schema.ts';
import { createApi } from '../../src/http/api.ts';
import { addPatterns } from '../../src/services/patterns.ts';
import { runCli } from '../cli/run-cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { recordingScheduler, serviceDeps } from './fixtures.ts';
import { listen } from './server.ts';

/** Whatever JSON.parse gives back: response bodies are checked by the assertions. */
type Parsed = ReturnType<typeof JSON.parse>;

const TOKEN = 'suggest-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'canary-suggest-'));
let database: TestDatabase;
let server: { url: string; close: () => Promise<void> };
let patternId: number;
let problemKey: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const deps = serviceDeps(database.db, recordingScheduler(database.db));
  server = await listen(
    createApi({ ...deps, tokens: [TOKEN], ping: async () => ({ postgres: true, redis: true }) }),
  );
  const problem = await insertProblem(database.db, { title: 'Praise is misread', threshold: 0.8 });
  problemKey = problem.key;
  const { created } = await addPatterns(deps, [
    {
      problem: problem.key,
      input: "The support from Maria in London was great, it's fixed in 3 days.",
      expectation: { label: 'positive' },
      polarity: 'positive',
      source: 'production',
      notes: '',
    },
  ]);
  patternId = (created[0] as { id: number }).id;
});

afterAll(async () => {
  await server?.close();
  await database?.drop();
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Parsed = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json };
}

const count = async () => (await database.db.select().from(patterns)).length;

describe('POST /api/v1/patterns/:id/suggestions', () => {
  it('returns about ten proposals, the same ones every time, and writes nothing', async () => {
    const before = await count();
    const first = await call('POST', `/patterns/${patternId}/suggestions`);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({
      pattern: patternId,
      problem: problemKey,
      polarity: 'positive',
      seed: patternId,
    });
    expect(first.json.proposals).toHaveLength(10);
    for (const p of first.json.proposals) {
      expect(p).toEqual({
        input: expect.any(String),
        perturbation: expect.any(String),
        detail: expect.any(String),
        implied: expect.stringMatching(/^(invariance|change|direction)$/),
        expectation: expect.any(Object),
      });
    }
    const again = await call('POST', `/patterns/${patternId}/suggestions`, {});
    expect(again.json).toEqual(first.json);
    expect(await count()).toBe(before);
  });

  it('takes n and seed', async () => {
    const three = await call('POST', `/patterns/${patternId}/suggestions`, { n: 3, seed: 7 });
    expect(three.status).toBe(200);
    expect(three.json.proposals).toHaveLength(3);
    expect(three.json.seed).toBe(7);
  });

  it.each([
    ['n too large', `/patterns/PID/suggestions`, { n: 500 }, 400, 'n must be a whole number from 1 to 50'],
    ['n not a number', `/patterns/PID/suggestions`, { n: 'ten' }, 400, 'n'],
    ['unknown field', `/patterns/PID/suggestions`, { count: 3 }, 400, 'count'],
    ['not JSON', `/patterns/PID/suggestions`, '{"n": ', 400, 'not valid JSON'],
    ['negative seed', `/patterns/PID/suggestions`, { seed: -1 }, 400, 'seed must be'],
    ['id not a number', '/patterns/abc/suggestions', undefined, 400, 'positive whole number'],
    ['unknown pattern', '/patterns/999999/suggestions', undefined, 404, 'There is no pattern #999999'],
  ])('%s: %s', async (_name, path, body, status, message) => {
    const res = await call('POST', path.replace('PID', String(patternId)), body);
    expect(res.status).toBe(status);
    expect(JSON.stringify(res.json)).toContain(message);
  });

  it('refuses a pattern whose derivedFrom names no pattern, writing nothing', async () => {
    const before = await count();
    const res = await call('POST', '/patterns', [
      { problem: problemKey, input: 'fine', expect: { label: 'positive' } },
      {
        problem: problemKey,
        input: 'great',
        expect: { label: 'positive' },
        derivedFrom: { pattern: 999999, perturbation: 'typo:swap' },
      },
    ]);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.json)).toContain('derivedFrom names pattern #999999, which does not exist');
    expect(await count()).toBe(before);
  });
});

describe('canary suggest → canary import', () => {
  it.each([
    ['HTTP mode', () => ({ CANARY_URL: server.url, CANARY_TOKEN: TOKEN })],
    ['direct mode', () => ({ DATABASE_URL: database.url })],
  ])(
    '%s: the JSONL imports back as contrived patterns with provenance, once',
    async (mode, envOf) => {
      const env = envOf();
      const seed = mode === 'HTTP mode' ? '7' : '8';
      const run = await runCli(['suggest', '--pattern', String(patternId), '--n', '6', '--seed', seed], env);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain(
        `6 related case(s) of pattern #${patternId} (${problemKey}), seed ${seed}`,
      );
      const rows = run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(rows).toHaveLength(6);
      for (const row of rows) {
        expect(row).toMatchObject({
          problem: problemKey,
          source: 'contrived',
          polarity: 'positive',
          derivedFrom: { pattern: patternId, perturbation: expect.any(String) },
        });
      }
      const same = await runCli(['suggest', '--pattern', String(patternId), '--n', '6', '--seed', seed], env);
      expect(same.stdout).toBe(run.stdout);

      const path = join(dir, `more-${seed}.jsonl`);
      writeFileSync(path, run.stdout);
      const before = await count();
      const imported = await runCli(['import', path], env);
      expect(imported.code, imported.stderr).toBe(0);
      const after = await database.db.select().from(patterns);
      const made = after.filter((p) => p.derivedFromPatternId === patternId);
      // The second mode's seed may propose a case the first already filed: that one is found, not duplicated.
      const [, created, existing] = /(\d+) created, (\d+) already existed/.exec(imported.stdout) ?? [];
      expect(Number(created) + Number(existing)).toBe(6);
      expect(Number(created)).toBeGreaterThan(0);
      expect(after.length - before).toBe(Number(created));
      expect(made.map((p) => p.perturbation)).toEqual(
        expect.arrayContaining(rows.map((r) => r.derivedFrom.perturbation)),
      );
      expect(made.every((p) => p.source === 'contrived')).toBe(true);
      const again = await runCli(['import', path], env);
      expect(again.stdout).toContain('0 created, 6 already existed');
      // Four CLI processes, each starting tsx: minutes on a loaded CI machine are still a pass.
    },
    180_000,
  );

  it.each([
    [['suggest'], '--pattern is required'],
    [['suggest', '--pattern', 'x'], '--pattern must be a whole number'],
    [['suggest', '--pattern', '1', '--n', '1.5'], '--n must be a whole number'],
  ])('%j exits 2 with the reason', async (args, reason) => {
    const run = await runCli(args, { DATABASE_URL: database.url });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(reason);
  });

  it('exits 2 naming an unknown pattern', async () => {
    const run = await runCli(['suggest', '--pattern', '424242'], { DATABASE_URL: database.url });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('There is no pattern #424242');
  });
});
