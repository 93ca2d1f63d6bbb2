import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareOutcomes } from '../../src/core/compare.ts';
import type { Pattern } from '../../src/core/pattern.ts';
import { createApi } from '../../src/http/api.ts';
import { addPatterns } from '../../src/services/patterns.ts';
import { createProblem } from '../../src/services/problems.ts';
import { problemsOverModels } from '../../src/services/reporting/evaluation-results.ts';
import { compareModels, outcomesFor } from '../../src/services/reports.ts';
import { problemResultMessage } from '../../src/slack/blocks/problem-result.ts';
import { runCli } from '../cli/run-cli.ts';
import { serviceDeps } from '../http/fixtures.ts';
import { listen } from '../http/server.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { insertModelRow, insertResults, makeDeps } from './helpers.ts';

/**
 * Two bot versions on four patterns whose results recorded their grader. On bot@1 judge@1 graded all four; on
 * bot@2 judge@1 graded p1 and p4, judge@2 graded p2 and p3. Only p1 (broken) and p4 (still passing) compare.
 */
let database: TestDatabase;
let key: string;
let ps: Pattern[];
const ids = { v1: 0, v2: 0 };
let server: { url: string; close: () => Promise<void> };
const TOKEN = 'test-token-0123456789';
const NOTE = '2 not comparable (graded by judge@1 vs judge@2)';

beforeAll(async () => {
  database = await createTestDatabase();
  const deps = makeDeps(database.db);
  const problem = await createProblem(deps, { title: 'Rude replies' });
  key = problem.key;
  // The expectation kind does not matter here: what counts is the grader each result recorded.
  const { created } = await addPatterns(
    deps,
    ['p1', 'p2', 'p3', 'p4'].map((input) => ({
      problem: key,
      input,
      expectation: { label: 'polite' },
      polarity: 'positive' as const,
      source: 'contrived' as const,
      notes: '',
    })),
  );
  ps = created as Pattern[];
  const [p1, p2, p3, p4] = ps as [Pattern, Pattern, Pattern, Pattern];
  const v1 = await insertModelRow(database.db, {
    name: 'bot',
    version: '1',
    registeredAt: new Date('2026-01-01'),
  });
  const v2 = await insertModelRow(database.db, {
    name: 'bot',
    version: '2',
    registeredAt: new Date('2026-02-01'),
  });
  Object.assign(ids, { v1, v2 });
  await insertResults(database.db, [
    { modelId: v1, pattern: p1, status: 'passed', gradedBy: 'judge@1' },
    { modelId: v1, pattern: p2, status: 'passed', gradedBy: 'judge@1' },
    { modelId: v1, pattern: p3, status: 'failed', gradedBy: 'judge@1' },
    { modelId: v1, pattern: p4, status: 'passed', gradedBy: 'judge@1' },
    { modelId: v2, pattern: p1, status: 'failed', gradedBy: 'judge@1' },
    { modelId: v2, pattern: p2, status: 'failed', gradedBy: 'judge@2' },
    { modelId: v2, pattern: p3, status: 'passed', gradedBy: 'judge@2' },
    { modelId: v2, pattern: p4, status: 'passed', gradedBy: 'judge@1' },
  ]);
  server = await listen(
    createApi({
      ...serviceDeps(database.db),
      tokens: [TOKEN],
      ping: async () => ({ postgres: true, redis: true }),
    }),
  );
});

afterAll(async () => {
  await server?.close();
  await database?.drop();
});

describe('results graded by different grader versions', () => {
  it('compareModels leaves them out of fixed/broken and lists them', async () => {
    const cmp = await compareModels(makeDeps(database.db), 'bot@1', 'bot@2');
    const c = cmp.problems[0]!.comparison;
    expect(c).toMatchObject({
      paired: 2,
      broken: [ps[0]!.revisionId],
      fixed: [],
      stillPassing: [ps[3]!.revisionId],
      unpaired: [],
      verdict: 'no_clear_change',
    });
    expect(c.notComparable.map((n) => n.patternRevisionId)).toEqual([ps[1]!.revisionId, ps[2]!.revisionId]);
    expect(cmp.problems[0]!.metricsB).toMatchObject({ n: 2, passed: 1 });
  });

  it('the REST answer carries them', async () => {
    const res = await fetch(`${server.url}/api/v1/compare?a=bot@1&b=bot@2`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      problems: { comparison: { notComparable: unknown[]; paired: number } }[];
    };
    expect(body.problems[0]!.comparison.paired).toBe(2);
    expect(body.problems[0]!.comparison.notComparable).toEqual([
      { patternRevisionId: ps[1]!.revisionId, baseline: 'judge@1', candidate: 'judge@2' },
      { patternRevisionId: ps[2]!.revisionId, baseline: 'judge@1', candidate: 'judge@2' },
    ]);
  });

  it('canary compare says how many and why', async () => {
    const run = await runCli(['compare', 'bot@1', 'bot@2'], { DATABASE_URL: database.url });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${key}: ${NOTE}, left out of the comparison`);
  });

  it('the Slack result message says so beside the shared counts', async () => {
    const [a, b] = await Promise.all([
      outcomesFor(database.db, { modelId: ids.v1 }),
      outcomesFor(database.db, { modelId: ids.v2 }),
    ]);
    const comparison = compareOutcomes(a!, b!);
    const message = problemResultMessage({
      model: 'bot@2',
      problem: { key, title: 'Rude replies', threshold: null },
      metrics: { n: 4, passed: 2, failed: 2, errored: 0, flaky: 0, passRate: 0.5, ci: [0.15, 0.85] },
      verdict: comparison.verdict,
      thresholdMet: null,
      previous: { model: 'bot@1', comparison },
      production: null,
      broken: [],
      fixed: [],
    } as Parameters<typeof problemResultMessage>[0]);
    expect(JSON.stringify(message.blocks)).toContain(`on 2 shared, 0 fixed, 1 broken — `);
    expect(JSON.stringify(message.blocks)).toContain(NOTE);
  });

  it('the chart data names each model’s graders, so the line breaks between them', async () => {
    const over = await problemsOverModels(database.db);
    const row = over.problems.find((p) => p.key === key)!;
    expect(over.models).toEqual(['bot@1', 'bot@2']);
    expect(row.graders).toEqual(['judge@1', 'judge@1 + judge@2']);
  });
});

describe('canary report shows failing outputs', () => {
  it('lists each failing pattern with its output, made safe for a terminal', async () => {
    const [p1] = ps as [Pattern];
    const v3 = await insertModelRow(database.db, {
      name: 'bot',
      version: '3',
      registeredAt: new Date('2026-03-01'),
    });
    await insertResults(database.db, [
      {
        modelId: v3,
        pattern: p1,
        status: 'failed',
        label: 'Ugh.\u001b[2J\u001b[31mWhat now?\r\nGo away',
        reason: 'judge@1 failed it: rude',
        gradedBy: 'judge@1',
      },
    ]);
    const run = await runCli(['report', '--model', 'bot@3'], { DATABASE_URL: database.url });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Failing patterns (first 5 per problem, with the output)');
    expect(run.stdout).toContain(
      `  ${key} #${p1.id} failed: “p1” → “Ugh. [2J [31mWhat now? Go away” (judge@1 failed it: rude; graded by judge@1)`,
    );
    expect(run.stdout).not.toContain('\u001b');
  });
});
