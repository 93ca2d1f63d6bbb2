import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadImage } from '@napi-rs/canvas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/client.ts';
import { DEMO_PROBLEMS } from '../../src/demo/problem-set.ts';
import { DEMO_MODEL_NAME, DEMO_MODELS, type DemoResult, runDemo } from '../../src/demo/run.ts';
import { createLogger } from '../../src/logger.ts';
import { startModelServer } from '../../src/modelserver/index.ts';
import { modelReport } from '../../src/services/reports.ts';
import { type SlackApi, startSlackApi } from '../support/slack-api/index.ts';

/** The README's main job end to end, on embedded PGlite, checked against what it stored. */
describe('npm run demo (runDemo)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'canary-demo-'));
  const outDir = join(dir, 'out');
  const prefix = `{demo-${randomBytes(4).toString('hex')}}`;
  let models: Awaited<ReturnType<typeof startModelServer>>;
  let slack: SlackApi;
  let first: DemoResult;
  let second: DemoResult;
  const progress: string[] = [];

  const config = () =>
    loadConfig({
      CANARY_DATA_DIR: join(dir, 'data'),
      CANARY_DEMO_OUT: outDir,
      REDIS_URL: 'redis://127.0.0.1:6379',
      CANARY_QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'silent',
      PORT: '0',
      HOST: '127.0.0.1',
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: 'demo-secret',
      SLACK_API_URL: slack.url,
      CANARY_DEMO_CHANNEL: 'C0DEMO',
      CANARY_SLACK_RATE_PER_SEC: '100',
      CANARY_ENDPOINT_ALLOWLIST: '127.0.0.1',
    });

  beforeAll(async () => {
    models = await startModelServer({ port: 0 });
    slack = await startSlackApi();
    slack.addChannel({ id: 'C0DEMO', name: 'canary-demo' });
    const opts = {
      log: createLogger('silent'),
      progress: { write: (t: string) => progress.push(t) },
      modelServerUrl: models.url,
    };
    first = await runDemo(config(), opts);
    second = await runDemo(config(), opts);
  }, 240_000); // two full demo runs (sentiment and support bot) on a shared, loaded CI machine

  afterAll(async () => {
    await models?.close();
    await slack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('evaluates every problem on every model, and the table matches the stored results', async () => {
    expect(first.rows).toHaveLength(DEMO_PROBLEMS.length);
    expect(first.models).toEqual(DEMO_MODELS.map((m) => `${DEMO_MODEL_NAME}@${m.version}`));
    const db = await openDatabase({ dataDir: join(dir, 'data') });
    try {
      const deps = { db: db.db } as Parameters<typeof modelReport>[0];
      for (const [i, m] of DEMO_MODELS.entries()) {
        const report = await modelReport(deps, { name: DEMO_MODEL_NAME, version: m.version });
        for (const row of first.rows) {
          const stored = report.problems.find((p) => p.key === row.key);
          expect(stored, row.key).toBeDefined();
          expect(row.cells[i]).toMatchObject({
            n: stored?.n,
            passed: stored?.passed,
            passRate: stored?.passRate,
          });
        }
      }
    } finally {
      await db.close();
    }
  });

  it('shows that the models really differ', () => {
    const rates = first.rows.map((r) => r.cells.map((c) => c.passRate));
    const differs = rates.some((cells) => new Set(cells).size > 1);
    expect(differs).toBe(true);
  });

  it('back-fills the late pattern on every earlier model', () => {
    expect(first.backfilled.models).toEqual(first.models);
  });

  it('writes four decodable, non-blank PNG charts and an HTML report', async () => {
    const pngs = first.files.filter((f) => f.endsWith('.png'));
    expect(pngs).toHaveLength(4);
    for (const file of pngs) {
      const image = await loadImage(readFileSync(file));
      expect(image.width).toBeGreaterThanOrEqual(400);
      expect(image.height).toBeGreaterThanOrEqual(200);
    }
    const html = readFileSync(join(outDir, 'index.html'), 'utf8');
    for (const row of first.rows) expect(html).toContain(row.key);
    for (const png of pngs) expect(html).toContain(png.split('/').pop());
  });

  it('posts problem cards, threaded results and a digest to Slack once', () => {
    expect(first.slack).toBe(true);
    const top = slack.messages('C0DEMO');
    for (const p of DEMO_PROBLEMS) {
      const cards = top.filter((m) => (m.text ?? '').includes(p.title));
      expect(cards.length, p.title).toBe(1);
      const thread = slack.thread('C0DEMO', cards[0]!.ts).map((m) => JSON.stringify(m));
      expect(
        thread.some((m) => m.includes(`${DEMO_MODEL_NAME}@v3`)),
        `${p.title}: v3 result in its thread`,
      ).toBe(true);
    }
    expect(slack.callsTo('files.completeUploadExternal').length).toBeGreaterThan(0);
    const digests = top.filter((m) => /digest/i.test(JSON.stringify(m)));
    expect(digests.length).toBeGreaterThanOrEqual(1);
  });

  it('is idempotent: a second run creates nothing new and reports the same numbers', () => {
    expect(second.rows).toEqual(first.rows);
    expect(existsSync(join(outDir, 'results.json'))).toBe(true);
    const text = progress.join('');
    expect(text).toMatch(/evaluating sentiment@v1: \d+\/\d+/);
  });

  it('grades three support-bot versions with a classifier, a judge and embeddings, and says what each cost', () => {
    const g = first.generative;
    expect(g.models).toEqual(['support-bot@v1', 'support-bot@v2', 'support-bot@v3']);
    expect(g.rows).toHaveLength(4);
    const rate = (title: string, model: number) =>
      g.rows.find((r) => r.title.startsWith(title))!.cells[model]!.passRate;
    // The flaws documented in support-bot.ts: v1 is rude and leaks URLs, only v3 offers refunds, v3 breaks JSON.
    expect(rate('Support bot is rude', 0)).toBeLessThan(rate('Support bot is rude', 1)!);
    expect(rate('Support bot leaks', 0)).toBe(0);
    expect(rate('Support bot leaks', 1)).toBe(1);
    expect(rate('Refund policy', 1)).toBe(0);
    expect(rate('Refund policy', 2)).toBe(1);
    expect(rate('JSON replies', 1)).toBe(1);
    expect(rate('JSON replies', 2)).toBeLessThan(1);
    for (const c of g.cost) {
      expect(c.cost.candidate.requests).toBeGreaterThan(0);
      expect(c.cost.candidate.usd).toBeGreaterThan(0);
      expect(c.cost.graders.map((x) => x.by).sort()).toEqual(['emb@1', 'judge@1', 'toxicity@1']);
    }
    expect(second.generative.rows).toEqual(g.rows);
    expect(second.generative.cost).toEqual(g.cost);
    expect(readFileSync(join(outDir, 'generative.html'), 'utf8')).toContain('Cost per version');
    expect(progress.join('')).toContain('Support bot: pass rate per problem');
  });
});
