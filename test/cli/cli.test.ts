import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promoteModelRow } from '../../src/db/queries/models.ts';
import { patterns, problems } from '../../src/db/schema.ts';
import { seedModel, seedProblem, seedResults, serviceDeps, statuses } from '../http/fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { startSlackApi } from '../support/slack-api/index.ts';
import { runCli } from './run-cli.ts';

/** Whatever JSON.parse gives back: response bodies and parsed XML are checked by the assertions. */
type Parsed = ReturnType<typeof JSON.parse>;

const dir = mkdtempSync(join(tmpdir(), 'canary-cli-'));
const databases: TestDatabase[] = [];

afterAll(async () => {
  await Promise.all(databases.map((d) => d.drop()));
});

async function freshDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  databases.push(database);
  return database;
}

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('usage', () => {
  it.each([
    [[], /Usage: canary <command>/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['gate'], /--model is required/],
    [['gate', '--model', 'no-version'], /not a model reference/],
    [['gate', '--model', 'a@1', '--colour'], /Unknown option '--colour'/],
    [['compare', 'a@1'], /Give two models/],
    [['import'], /exactly one file/],
    [['model', 'register', '--name', 'x'], /--version is required/],
    [
      ['model', 'register', '--name', 'x', '--version', '1', '--adapter', 'fax', '--url', 'http://x'],
      /--adapter must be/,
    ],
    [
      [
        'model',
        'register',
        '--name',
        'x',
        '--version',
        '1',
        '--adapter',
        'http',
        '--url',
        'u',
        '--metric',
        'auc',
      ],
      /name=number/,
    ],
  ])('canary %j exits 2 with the reason and usage', async (args, reason) => {
    const run = await runCli(args, {});
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(reason);
    expect(run.stderr).toMatch(/Usage:/);
    expect(run.stdout).toBe('');
  });

  it('prints a command’s usage on --help and exits 0', async () => {
    const run = await runCli(['gate', '--help'], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Usage: canary gate/);
  });
});

describe('infrastructure errors', () => {
  it('exits 2 naming HTTP mode and the URL when the server is unreachable', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}`;
    const run = await runCli(['gate', '--model', 'sentiment@v2'], { CANARY_URL: url, CANARY_TOKEN: 't' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`HTTP mode: cannot reach the Canary API at ${url}`);
    expect(run.stderr).toContain('ECONNREFUSED');
  });

  it('exits 2 when CANARY_URL is set without CANARY_TOKEN', async () => {
    const run = await runCli(['report', '--model', 'a@1'], { CANARY_URL: 'http://127.0.0.1:9' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('CANARY_TOKEN');
  });

  it('exits 2 naming direct mode when the database is unreachable', async () => {
    const port = await closedPort();
    const run = await runCli(['report', '--model', 'a@1'], {
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/x`,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Direct mode: cannot reach the database at postgres://127.0.0.1:${port}/x`);
  });

  it('exits 2 for an unknown model', async () => {
    const database = await freshDatabase();
    const run = await runCli(['gate', '--model', 'ghost@v1'], { DATABASE_URL: database.url });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('There is no model ghost@v1');
  });

  it('refuses digest --now without a digest channel, exit 2', async () => {
    const database = await freshDatabase();
    const run = await runCli(['digest', '--now'], { DATABASE_URL: database.url });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('CANARY_DIGEST_CHANNEL');
  });
});

describe('digest --now', () => {
  it('posts the digest to the digest channel through Slack', async () => {
    const slack = await startSlackApi();
    try {
      slack.addChannel({ id: 'C0DIGEST', name: 'ml-digest' });
      const database = await freshDatabase();
      const env = {
        DATABASE_URL: database.url,
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_SIGNING_SECRET: 'test-secret',
        SLACK_API_URL: slack.url,
        CANARY_DIGEST_CHANNEL: 'C0DIGEST',
      };
      const run = await runCli(['digest', '--now'], env);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/Digest posted to C0DIGEST/);
      expect(slack.messages('C0DIGEST')).toHaveLength(1);
    } finally {
      await slack.close();
    }
  });
});

describe('import and export', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let key: string;
  const count = async () => (await database.db.select().from(patterns)).length;

  beforeAll(async () => {
    database = await freshDatabase();
    env = { DATABASE_URL: database.url };
    const [row] = await database.db.insert(problems).values({ title: 'Sarcasm' }).returning();
    key = row!.key;
  });

  it('imports nothing when any row is bad, listing every bad line', async () => {
    const path = file(
      'bad.jsonl',
      [
        JSON.stringify({ problem: key, input: 'great, just great', expect: { label: 'negative' } }),
        '{"problem": "P-1", "input": ',
        JSON.stringify({ problem: key, input: 'fine', expect: { label: 'neutral' } }),
        JSON.stringify({ problem: key, input: '', expect: { label: 'neutral' } }),
      ].join('\n'),
    );
    const run = await runCli(['import', path], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`${path}:2: Invalid JSON`));
    expect(run.stderr).toMatch(new RegExp(`${path}:4: input:`));
    expect(run.stderr).not.toMatch(new RegExp(`${path}:[13]:`));
    expect(run.stderr).toContain('nothing was imported');
    expect(await count()).toBe(0);
  });

  it('imports a CSV, and a second import creates nothing new', async () => {
    const path = file(
      'good.csv',
      `problem,input,expect,notes\n${key},"Oh, wonderful, another outage",negative,from support\n${key},I love this,positive,\n`,
    );
    const first = await runCli(['import', path], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('2 created, 0 already existed');
    const again = await runCli(['import', path], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 created, 2 already existed');
    expect(await count()).toBe(2);
  });

  it('refuses rows naming unknown problems unless --create-problems, writing nothing', async () => {
    const path = file(
      'new-problem.jsonl',
      `${JSON.stringify({ problem: key, input: 'meh', expect: { label: 'neutral' } })}\n${JSON.stringify({
        problem: 'Emoji sarcasm',
        input: 'sure 🙃',
        expect: { label: 'negative' },
      })}\n`,
    );
    const refused = await runCli(['import', path], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`${path}:2: problem:`));
    expect(await count()).toBe(2);
    const created = await runCli(['import', path, '--create-problems', '--json'], env);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      created: 2,
      existing: 0,
      problemsCreated: [expect.any(String)],
    });
  });

  it('exports JSONL that imports back as all-existing', async () => {
    const exported = await runCli(['export'], env);
    expect(exported.code).toBe(0);
    const lines = exported.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    const onlyOne = await runCli(['export', '--problem', key], env);
    expect(onlyOne.stdout.trim().split('\n')).toHaveLength(3);
    const path = file('roundtrip.jsonl', exported.stdout);
    const back = await runCli(['import', path], env);
    expect(back.code).toBe(0);
    expect(back.stdout).toContain('0 created, 4 already existed');
  });

  it('accounts for every row: 240 rows with one repeat print 239 created + 1 repeat = 240 sent', async () => {
    const rows = Array.from({ length: 239 }, (_, i) =>
      JSON.stringify({ problem: key, input: `accounting row ${i}`, expect: { label: 'neutral' } }),
    );
    rows.push(JSON.stringify({ problem: key, input: 'accounting row 7', expect: { label: 'neutral' } }));
    const path = file('accounting.jsonl', `${rows.join('\n')}\n`);
    const before = await count();
    const run = await runCli(['import', path], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`${path}:240: repeats line 8 \\(pattern #\\d+\\)`));
    expect(run.stdout).toContain('240 sent: 239 created, 0 already existed, 1 repeat of earlier rows.');
    expect(await count()).toBe(before + 239);
    // Written back as they were, the rows are all there: the repeat names its earlier row again.
    const again = await runCli(['import', path, '--json'], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ sent: 240, created: 0, existing: 239, repeats: 1 });
  });
});

describe('gate', () => {
  const xml = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (n) => ['testsuite', 'testcase'].includes(n),
  });

  /** A database with one gated problem of `total` patterns, a baseline in production and a candidate. */
  async function scenario(opts: {
    threshold: number | null;
    total: number;
    baseline?: number;
    candidate: [number, number, number?];
  }) {
    const database = await freshDatabase();
    const deps = serviceDeps(database.db);
    const { problem, revisions } = await seedProblem(deps, {
      title: 'Negation',
      threshold: opts.threshold,
      count: opts.total,
    });
    if (opts.baseline !== undefined) {
      const base = await seedModel(database.db, 'sentiment', 'v1');
      await seedResults(
        database.db,
        base,
        problem,
        revisions,
        statuses(opts.baseline, opts.total - opts.baseline),
      );
      await promoteModelRow(database.db, base, new Date());
    }
    const cand = await seedModel(database.db, 'sentiment', 'v2');
    await seedResults(database.db, cand, problem, revisions, statuses(...opts.candidate));
    return { env: { DATABASE_URL: database.url }, problem };
  }

  it('passes (exit 0) when the threshold is met, writing JUnit and Markdown', async () => {
    const { env, problem } = await scenario({ threshold: 0.8, total: 10, candidate: [9, 1] });
    const junit = join(dir, 'pass.xml');
    const markdown = join(dir, 'pass.md');
    const run = await runCli(
      ['gate', '--model', 'sentiment@v2', '--junit', junit, '--markdown', markdown],
      env,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('PASSED');

    const parsed = xml.parse(readFileSync(junit, 'utf8'));
    const suites = parsed.testsuites.testsuite;
    expect(suites).toHaveLength(1);
    expect(suites[0].name).toBe(`${problem.key} Negation`);
    expect(suites[0].testcase).toHaveLength(10);
    const failed = suites[0].testcase.filter((c: Parsed) => c.failure);
    expect(failed).toHaveLength(1);
    const text = failed[0].failure['#text'];
    expect(text).toContain('input: Negation example 9');
    expect(text).toContain('expected: {"label":"positive"}');
    expect(text).toContain('actual: {"label":"negative"}');

    const md = readFileSync(markdown, 'utf8');
    expect(md).toContain('| Problem | Pass rate | 95% interval | Threshold | Status | vs baseline |');
    expect(md).toMatch(
      new RegExp(
        `\\| ${problem.key} Negation \\| 90% \\(9/10\\) \\| \\[\\d+%, \\d+%\\] \\| 80% \\| 🔍 too few patterns to tell \\| – \\|`,
      ),
    );
    // 90% [60%, 98%] passes on the numbers, but ten patterns cannot place it above 80%: said, and with
    // --require-evidence, a failure.
    expect(run.stdout).toContain('Too few patterns to tell:');
    expect(run.stdout).toMatch(
      /straddles the 80% threshold; about \d+ more at this pass rate would settle it/,
    );
    const strict = await runCli(['gate', '--model', 'sentiment@v2', '--require-evidence'], env);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('FAILED');
    expect(strict.stdout).toMatch(/Failed because:\n {2}- P-\d+ "Negation": Not enough patterns to tell/);
  });

  it('fails (exit 1) when a problem misses its threshold, naming it', async () => {
    const { env, problem } = await scenario({ threshold: 0.8, total: 10, candidate: [6, 3, 1] });
    const junit = join(dir, 'miss.xml');
    const run = await runCli(['gate', '--model', 'sentiment@v2', '--junit', junit], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('FAILED');
    expect(run.stdout).toContain(`${problem.key} "Negation": pass rate 67% is below the threshold 80%`);
    const suite = xml.parse(readFileSync(junit, 'utf8')).testsuites.testsuite[0];
    expect(suite.testcase.filter((c: Parsed) => c.failure)).toHaveLength(4); // 3 patterns + the gate case
    const errored = suite.testcase.filter((c: Parsed) => c.error);
    expect(errored).toHaveLength(1);
    expect(errored[0].error['#text']).toContain('actual: (no prediction)');
    expect(suite.testcase.find((c: Parsed) => c.name === 'gate').failure.message).toContain(
      'below the threshold',
    );
  });

  it('fails (exit 1) on a significant regression against production even above the threshold', async () => {
    const { env } = await scenario({ threshold: 0.5, total: 20, baseline: 20, candidate: [12, 8] });
    const run = await runCli(['gate', '--model', 'sentiment@v2', '--json'], env);
    expect(run.code).toBe(1);
    const verdict = JSON.parse(run.stdout);
    expect(verdict).toMatchObject({ pass: false, baseline: 'sentiment@v1' });
    expect(verdict.problems[0]).toMatchObject({ status: 'regressed', vsBaseline: { broken: 8, fixed: 0 } });
    expect(verdict.reasons[0]).toContain('regressed against the baseline');
  });

  it('passes (exit 0) with a warning on a drop that is not significant', async () => {
    const { env } = await scenario({ threshold: 0.5, total: 20, baseline: 20, candidate: [18, 2] });
    const markdown = join(dir, 'drop.md');
    const run = await runCli(['gate', '--model', 'sentiment@v2', '--markdown', markdown], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Warnings:');
    expect(run.stdout).toContain('not significant');
    expect(readFileSync(markdown, 'utf8')).toContain('no clear change: +0 fixed / −2 broken');
  });

  it('fails in --strict mode when the interval reaches below the threshold; passes with --baseline none', async () => {
    const { env } = await scenario({ threshold: 0.8, total: 10, candidate: [9, 1] });
    const strict = await runCli(['gate', '--model', 'sentiment@v2', '--strict'], env);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('95% interval');
    const plain = await runCli(['gate', '--model', 'sentiment@v2', '--baseline', 'none', '--json'], env);
    expect(plain.code).toBe(0);
    expect(JSON.parse(plain.stdout).baseline).toBeNull();
  });

  it('reports and compares as text and JSON', async () => {
    const { env, problem } = await scenario({ threshold: 0.5, total: 20, baseline: 20, candidate: [12, 8] });
    const report = await runCli(['report', '--model', 'sentiment@v2', '--json'], env);
    expect(report.code).toBe(0);
    expect(JSON.parse(report.stdout).problems[0]).toMatchObject({ key: problem.key, n: 20, passed: 12 });
    const text = await runCli(['report', '--model', 'sentiment@v2'], env);
    expect(text.stdout).toMatch(/60% \(12\/20\)/);
    const compare = await runCli(['compare', 'sentiment@v1', 'sentiment@v2'], env);
    expect(compare.code).toBe(0);
    expect(compare.stdout).toMatch(/regressed/);
    const json = await runCli(['compare', 'sentiment@v1', 'sentiment@v2', '--json'], env);
    expect(JSON.parse(json.stdout).problems[0].comparison.broken).toHaveLength(8);
  });
});
