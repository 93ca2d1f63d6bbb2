import { eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChartRenderer } from '../../src/charts/index.ts';
import { evaluations, observations, slackMessages } from '../../src/db/schema.ts';
import { createNotifyProcessor } from '../../src/notify/processor.ts';
import { trainingMetricsOfName } from '../../src/services/reporting/evaluation-results.ts';
import { patternGridOf } from '../../src/services/reporting/pattern-grid.ts';
import { ACTION } from '../../src/slack/blocks/ids.ts';
import { parseResultIds } from '../../src/slack/blocks/result-ids.ts';
import { ledgerEntry } from '../../src/slack/web-api/ledger.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { type SlackApi, startSlackApi } from '../support/slack-api/index.ts';
import {
  finishEvaluation,
  job,
  log,
  seedEvaluation,
  seedFlag,
  seedModel,
  seedPatterns,
  seedProblem,
  slackFor,
} from './seed.ts';

const HOME = 'C0HOME';
const MODELS = 'C0MODELS';
const FLAGS = 'C0FLAGS';
const DAY = 24 * 3600 * 1000;

let db: TestDatabase;
let api: SlackApi;
let homeA: string;
let homeB: string;
let problemA: { id: number; key: string };
let problemB: { id: number; key: string };
let patA: { patternId: number; revisionId: number }[];
let patB: { patternId: number; revisionId: number }[];
const local = createChartRenderer({ renderer: 'local', quickchartUrl: undefined });

function processor(overrides: Partial<Parameters<typeof createNotifyProcessor>[0]> = {}) {
  return createNotifyProcessor({
    db: db.db,
    log,
    now: () => new Date(),
    slack: slackFor(api),
    charts: local,
    modelsChannel: MODELS,
    ...overrides,
  });
}

function outcomes(
  pats: { patternId: number; revisionId: number }[],
  problemId: number,
  pass: (i: number) => boolean,
) {
  return pats.map((p, i) => ({ ...p, problemId, pass: pass(i) }));
}

const blockText = (m: { blocks?: unknown[] }) => JSON.stringify(m.blocks ?? []);
const buttonsOf = (m: { blocks?: unknown[] }) =>
  ((m.blocks ?? []) as { type: string; elements?: { type: string; action_id: string; value: string }[] }[])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements ?? [])
    .filter((e) => e.type === 'button');
const replies = (channel: string, ts: string) => api.thread(channel, ts).slice(1);
const textReplies = (channel: string, ts: string) => replies(channel, ts).filter((m) => !m.files);
const fileReplies = (channel: string, ts: string) => replies(channel, ts).filter((m) => m.files);
const fileNames = (channel: string, ts: string) =>
  fileReplies(channel, ts).flatMap((m) => (m.files as { name: string }[]).map((f) => f.name));
const sharedThread = (f: (typeof api.files)[number]) =>
  Object.values(f.file.shares.public ?? {}).flat()[0]?.thread_ts;
const SUMMARY_CHART = 'Pass rate per problem across candidate models';
const METRICS_CHART = 'Reported training metrics per model';

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startSlackApi();
  for (const [id, name] of [
    [HOME, 'ml-problems'],
    [MODELS, 'ml-models'],
    [FLAGS, 'support'],
  ] as const) {
    api.addChannel({ id, name });
  }
  homeA = api.addMessage(HOME, { text: 'P-A home', user: 'U1' }).ts;
  homeB = api.addMessage(HOME, { text: 'P-B home', user: 'U1' }).ts;
  problemA = await seedProblem(db.db, {
    title: 'Sarcasm read as praise',
    threshold: 0.8,
    home: { channel: HOME, ts: homeA },
  });
  problemB = await seedProblem(db.db, {
    title: 'Negation flips',
    threshold: null,
    home: { channel: HOME, ts: homeB },
  });
  patA = await seedPatterns(db.db, problemA.id, [
    'great, another outage',
    'wow thanks a lot',
    'love waiting',
    'so helpful',
    'nice crash',
    'brilliant',
    'superb delay',
    'fantastic bug',
  ]);
  patB = await seedPatterns(db.db, problemB.id, [
    'not bad',
    'not terrible',
    'never disappointing',
    'not good',
  ]);
  const v1 = await seedModel(db.db, 'v1', {
    status: 'production',
    registeredAt: new Date(Date.now() - 3 * DAY),
    metrics: { auc: 0.91, f1: 0.8 },
  });
  await seedEvaluation(db.db, {
    modelId: v1.id,
    outcomes: [...outcomes(patA, problemA.id, () => true), ...outcomes(patB, problemB.id, (i) => i === 3)],
  });
});

afterAll(async () => {
  await api?.close();
  await db?.drop();
});

describe('evaluation finished', () => {
  let v2Eval: number;

  it('posts one message in every affected problem thread and the summary, each with its chart in the right thread', async () => {
    const v2 = await seedModel(db.db, 'v2', {
      slackChannel: MODELS,
      registeredAt: new Date(Date.now() - 2 * DAY),
      metrics: { auc: 0.94 },
    });
    v2Eval = await seedEvaluation(db.db, {
      modelId: v2.id,
      outcomes: [...outcomes(patA, problemA.id, (i) => i === 0), ...outcomes(patB, problemB.id, () => true)],
    });
    await processor()(job('notify.evaluation-finished', { evaluationId: v2Eval }));

    const [inA] = textReplies(HOME, homeA);
    expect(textReplies(HOME, homeA)).toHaveLength(1);
    expect(inA?.text).toContain('sentiment@v2 on P-');
    expect(blockText(inA!)).toContain('regressed');
    expect(blockText(inA!)).toContain('Below its 80% threshold');
    expect(blockText(inA!)).toContain('Newly broken (7)');
    expect(blockText(inA!)).toContain('… and 2 more');
    expect(blockText(inA!)).toContain('vs production `sentiment@v1`');

    const [inB] = textReplies(HOME, homeB);
    expect(textReplies(HOME, homeB)).toHaveLength(1);
    expect(blockText(inB!)).toContain('Newly fixed (3)');
    expect(blockText(inB!)).toContain('Not gated');

    const summaries = api.messages(MODELS);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]?.text).toContain('sentiment@v2 fails the gate');

    // Chart 3 then chart 4 in each problem thread; chart 1 then chart 2 in the summary's thread.
    expect(fileNames(HOME, homeA)).toEqual([
      `${problemA.key}-across-models.png`,
      `${problemA.key}-pattern-grid.png`,
    ]);
    expect(fileNames(HOME, homeB)).toEqual([
      `${problemB.key}-across-models.png`,
      `${problemB.key}-pattern-grid.png`,
    ]);
    expect(fileNames(MODELS, summaries[0]!.ts)).toEqual([
      `problems-over-models-${v2Eval}.png`,
      `training-metrics-${v2Eval}.png`,
    ]);
    expect(api.files).toHaveLength(6);
    for (const f of api.files) {
      expect(f.completed).toBe(true);
      expect(f.bytes?.subarray(1, 4).toString()).toBe('PNG');
    }
    const threads = [homeA, homeA, homeB, homeB, summaries[0]!.ts, summaries[0]!.ts].sort();
    expect(api.files.map(sharedThread).sort()).toEqual(threads);
    const completes = api.callsTo('files.completeUploadExternal').map((c) => c.args.thread_ts);
    expect(completes.sort()).toEqual(threads);
  });

  it('draws chart 4 from the pattern grid, labelled with pattern inputs, and chart 2 from registration metrics', async () => {
    const grid = await patternGridOf(db.db, problemA.key);
    expect(grid.models).toEqual(['sentiment@v1', 'sentiment@v2']);
    expect(grid.patterns.map((p) => p.label)).toEqual([
      'great, another outage',
      'wow thanks a lot',
      'love waiting',
      'so helpful',
      'nice crash',
      'brilliant',
      'superb delay',
      'fantastic bug',
    ]);
    expect(grid.patterns.map((p) => p.id)).toEqual(patA.map((p) => p.patternId));
    expect(grid.cells[0]).toEqual(['passed', 'passed']);
    expect(grid.cells.slice(1).every((row) => row[0] === 'passed' && row[1] === 'failed')).toBe(true);

    expect(await trainingMetricsOfName(db.db, 'sentiment')).toEqual({
      models: ['sentiment@v1', 'sentiment@v2'],
      metrics: { auc: [0.91, 0.94], f1: [0.8, null] },
    });
    expect(await trainingMetricsOfName(db.db, 'no-such-model')).toBeNull();
  });

  it('offers Show all only where a list was cut, Sign off always, each valued with the ids alone', async () => {
    const [inA] = textReplies(HOME, homeA);
    const [inB] = textReplies(HOME, homeB);
    expect(buttonsOf(inA!).map((b) => b.action_id)).toEqual([ACTION.resultShowAll, ACTION.resultSignOff]);
    expect(buttonsOf(inB!).map((b) => b.action_id)).toEqual([ACTION.resultSignOff]);
    for (const [message, problem] of [
      [inA!, problemA],
      [inB!, problemB],
    ] as const) {
      for (const button of buttonsOf(message)) {
        expect(JSON.parse(button.value)).toEqual({ evaluationId: v2Eval, problemId: problem.id });
        expect(parseResultIds(button.value)).toEqual({ evaluationId: v2Eval, problemId: problem.id });
      }
    }
  });

  it('does not post or upload twice when the job is retried or duplicated', async () => {
    const posts = api.callsTo('chat.postMessage').length;
    const files = api.files.length;
    const uploads = api.callsTo('files.getUploadURLExternal').length;
    await processor()(job('notify.evaluation-finished', { evaluationId: v2Eval }));
    await processor()(job('notify.evaluation-finished', { evaluationId: v2Eval }));
    expect(api.callsTo('chat.postMessage')).toHaveLength(posts);
    expect(api.files).toHaveLength(files);
    expect(api.callsTo('files.getUploadURLExternal')).toHaveLength(uploads);
    expect(fileReplies(HOME, homeA)).toHaveLength(2);
    expect(fileReplies(MODELS, api.messages(MODELS)[0]!.ts)).toHaveLength(2);
    const charts = await db.db
      .select({ key: slackMessages.key, ts: slackMessages.ts })
      .from(slackMessages)
      .where(like(slackMessages.key, `eval:${v2Eval}:%chart`));
    expect(charts.map((c) => c.key).sort()).toEqual(
      [
        `eval:${v2Eval}:summary:chart`,
        `eval:${v2Eval}:summary:metrics-chart`,
        `eval:${v2Eval}:problem:${problemA.id}:chart`,
        `eval:${v2Eval}:problem:${problemA.id}:grid-chart`,
        `eval:${v2Eval}:problem:${problemB.id}:chart`,
        `eval:${v2Eval}:problem:${problemB.id}:grid-chart`,
      ].sort(),
    );
    expect(charts.every((c) => c.ts !== null)).toBe(true);
    expect(textReplies(HOME, homeA)).toHaveLength(1);
    expect(api.messages(MODELS)).toHaveLength(1);
  });

  it('finishes the job after a failure that came after posting, without posting again', async () => {
    const v3 = await seedModel(db.db, 'v3', {
      slackChannel: MODELS,
      registeredAt: new Date(Date.now() - DAY),
    });
    const id = await seedEvaluation(db.db, {
      modelId: v3.id,
      outcomes: [...outcomes(patA, problemA.id, () => true), ...outcomes(patB, problemB.id, () => true)],
    });
    // The summary is posted, then its chart upload fails: the job fails after posting.
    api.failNext('files.completeUploadExternal', { error: 'internal_error' });
    await expect(processor()(job('notify.evaluation-finished', { evaluationId: id }))).rejects.toThrow();
    expect(api.messages(MODELS).filter((m) => m.text.includes('v3'))).toHaveLength(1);

    await processor()(job('notify.evaluation-finished', { evaluationId: id }));
    const v3Posts = api
      .callsTo('chat.postMessage')
      .filter((c) => String(c.args.text).includes('sentiment@v3'));
    expect(v3Posts).toHaveLength(3);
    expect(api.messages(MODELS).filter((m) => m.text.includes('v3'))).toHaveLength(1);
    expect(textReplies(HOME, homeA).filter((m) => m.text.includes('v3'))).toHaveLength(1);
    const summary = api.messages(MODELS).find((m) => m.text.includes('v3'))!;
    expect(summary.text).toContain('passes the gate');
    expect(fileNames(MODELS, summary.ts)).toEqual([
      `problems-over-models-${id}.png`,
      `training-metrics-${id}.png`,
    ]);
    expect(fileNames(HOME, homeA).filter((n) => n.includes('pattern-grid'))).toHaveLength(2);
  });

  it('posts when a previous attempt recorded the key but died before posting', async () => {
    const v35 = await seedModel(db.db, 'v3.5', { registeredAt: new Date(Date.now() - DAY / 2) });
    const id = await seedEvaluation(db.db, {
      modelId: v35.id,
      outcomes: outcomes(patB, problemB.id, () => true),
    });
    await db.db.insert(slackMessages).values({ key: `eval:${id}:problem:${problemB.id}`, channel: HOME });
    await processor()(job('notify.evaluation-finished', { evaluationId: id }));
    expect(textReplies(HOME, homeB).filter((m) => m.text.includes('v3.5'))).toHaveLength(1);
    const [row] = await db.db
      .select()
      .from(slackMessages)
      .where(eq(slackMessages.key, `eval:${id}:problem:${problemB.id}`));
    expect(row?.ts).toBeTruthy();
  });

  it('shares no training-metrics chart when no model of the name reported a metric', async () => {
    const tox = await seedModel(db.db, 'v1', { name: 'toxicity', slackChannel: MODELS });
    const id = await seedEvaluation(db.db, {
      modelId: tox.id,
      outcomes: outcomes(patB, problemB.id, () => true),
    });
    const filesInB = fileReplies(HOME, homeB).length;
    await processor()(job('notify.evaluation-finished', { evaluationId: id }));
    const summary = api.messages(MODELS).find((m) => m.text.includes('toxicity@v1'))!;
    expect(fileNames(MODELS, summary.ts)).toEqual([`problems-over-models-${id}.png`]);
    expect(blockText(summary)).not.toContain(METRICS_CHART);
    expect(await ledgerEntry(db.db, `eval:${id}:summary:metrics-chart`)).toBeNull();
    expect(fileReplies(HOME, homeB)).toHaveLength(filesInB + 2);
  });
});

describe('progress', () => {
  it('posts the summary when the run starts, edits it in place as batches complete, then finalises it', async () => {
    const v4 = await seedModel(db.db, 'v4', { slackChannel: MODELS });
    const id = await seedEvaluation(db.db, {
      modelId: v4.id,
      outcomes: outcomes(patA, problemA.id, () => true),
      finish: false,
    });
    const run = processor();
    await run(job('notify.evaluation-started', { evaluationId: id }));
    const mine = () => api.messages(MODELS).filter((m) => m.text.includes('v4'));
    expect(mine()).toHaveLength(1);
    expect(mine()[0]?.text).toBe('Evaluating sentiment@v4: 0/8');

    await db.db.update(evaluations).set({ doneCount: 5 }).where(eq(evaluations.id, id));
    await run(job('notify.evaluation-progress', { evaluationId: id }));
    expect(mine()).toHaveLength(1);
    expect(mine()[0]?.text).toBe('Evaluating sentiment@v4: 5/8');
    expect(mine()[0]?.edited).toBeDefined();

    await finishEvaluation(db.db, id);
    await run(job('notify.evaluation-finished', { evaluationId: id }));
    // A late progress job must not put the finished summary back to "running".
    await run(job('notify.evaluation-progress', { evaluationId: id }));
    expect(mine()).toHaveLength(1);
    expect(mine()[0]?.text).toContain('sentiment@v4 passes the gate');
    const updates = api.callsTo('chat.update').filter((c) => c.args.ts === mine()[0]?.ts);
    expect(updates).toHaveLength(2);
  });
});

describe('a run over before its start notice went out', () => {
  it('is posted as started, then edited to the result; the late start notice posts nothing', async () => {
    const v7 = await seedModel(db.db, 'v7', { slackChannel: MODELS });
    const id = await seedEvaluation(db.db, {
      modelId: v7.id,
      outcomes: outcomes(patB, problemB.id, () => true),
    });
    const run = processor();
    const mark = api.calls.length;
    await run(job('notify.evaluation-finished', { evaluationId: id }));
    await run(job('notify.evaluation-started', { evaluationId: id }));
    const mine = api.messages(MODELS).filter((m) => m.text.includes('sentiment@v7'));
    expect(mine).toHaveLength(1);
    const calls = api.calls
      .slice(mark)
      .filter((c) => c.args.channel === MODELS && String(c.args.text).includes('sentiment@v7'));
    expect(calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update']);
    expect(calls[0]?.args.text).toBe('Evaluating sentiment@v7: 4/4');
    expect(calls[1]?.args.ts).toBe(mine[0]?.ts);
    expect(mine[0]?.text).toContain('sentiment@v7 passes the gate');
  });
});

describe('back-fill', () => {
  it('answers in the flag thread with one message, edited as each model finishes', async () => {
    const flagged = api.addMessage(FLAGS, {
      text: 'the bot said this was praise: "sure, great job"',
      user: 'U2',
    });
    const [pattern] = await seedPatterns(db.db, problemA.id, ['sure, great job']);
    await seedFlag(db.db, {
      channel: FLAGS,
      ts: flagged.ts,
      text: flagged.text,
      patternId: pattern!.patternId,
    });
    const { models } = await import('../../src/db/schema.ts');
    const rows = await db.db.select().from(models).orderBy(models.registeredAt);
    const [v1, v2] = rows;
    const one = (modelId: number, pass: boolean, finish = true) =>
      seedEvaluation(db.db, {
        modelId,
        trigger: 'backfill',
        patternRevisionId: pattern!.revisionId,
        outcomes: [{ ...pattern!, problemId: problemA.id, pass, label: pass ? 'negative' : 'positive' }],
        finish,
      });
    const first = await one(v1!.id, false);
    const second = await one(v2!.id, true, false);
    const filesBefore = api.files.length;
    const run = processor();

    await run(job('notify.evaluation-finished', { evaluationId: first }));
    const answers = () => replies(FLAGS, flagged.ts);
    expect(answers()).toHaveLength(1);
    expect(blockText(answers()[0]!)).toContain('`sentiment@v1` ✗ positive');
    expect(blockText(answers()[0]!)).toContain('`sentiment@v2` …');

    await finishEvaluation(db.db, second);
    await run(job('notify.evaluation-finished', { evaluationId: second }));
    await run(job('notify.pattern-backfilled', { patternRevisionId: pattern!.revisionId }));
    expect(answers()).toHaveLength(1);
    expect(blockText(answers()[0]!)).toContain('`sentiment@v2` ✓ negative');
    expect(answers()[0]?.text).toContain('passes on 1 of 2 models');
    expect(api.files).toHaveLength(filesBefore);
    expect(textReplies(HOME, homeA).filter((m) => m.text.includes('back-filled'))).toHaveLength(0);
  });
});

describe('chart renderers and configuration', () => {
  it('puts QuickChart image blocks in the messages instead of uploading files', async () => {
    const v5 = await seedModel(db.db, 'v5', { slackChannel: MODELS });
    const id = await seedEvaluation(db.db, {
      modelId: v5.id,
      outcomes: outcomes(patB, problemB.id, () => true),
    });
    const filesBefore = api.files.length;
    const quick = createChartRenderer({
      renderer: 'quickchart',
      quickchartUrl: 'https://quickchart.example.org',
    });
    await processor({ charts: quick })(job('notify.evaluation-finished', { evaluationId: id }));
    const inB = textReplies(HOME, homeB).find((m) => m.text.includes('v5'))!;
    const summary = api.messages(MODELS).find((m) => m.text.includes('v5'))!;
    type Image = { type: string; image_url?: string; title?: { text: string } };
    const imageOf = (m: { blocks?: unknown }, title: string) =>
      ((m.blocks ?? []) as Image[]).find((b) => b.type === 'image' && b.title?.text === title);
    const uploaded = api.files.slice(filesBefore);
    // The per-problem chart fits in a URL Slack accepts: it travels inside the message, nothing is uploaded for it.
    expect(imageOf(inB, `${problemB.key} across models`)?.image_url).toMatch(
      /^https:\/\/quickchart\.example\.org\//,
    );
    // Every other chart is either an image block (URL within Slack's 3,000 characters) or, past that, a PNG in
    // the message's thread: never both, never neither.
    const charts = [
      {
        message: inB,
        thread: homeB,
        image: `${problemB.key} patterns per model`,
        file: `${problemB.key}: pattern outcomes per model`,
      },
      { message: summary, thread: summary.ts, image: 'Problems over models', file: SUMMARY_CHART },
      { message: summary, thread: summary.ts, image: 'Training metrics', file: METRICS_CHART },
    ];
    let expectedUploads = 0;
    for (const chart of charts) {
      const image = imageOf(chart.message, chart.image);
      const files = uploaded.filter((f) => f.file.title === chart.file && sharedThread(f) === chart.thread);
      if (image) expect(image.image_url!.length).toBeLessThanOrEqual(3000);
      expect(files, chart.file).toHaveLength(image ? 0 : 1);
      if (!image) expectedUploads += 1;
    }
    expect(uploaded).toHaveLength(expectedUploads);
  });

  it('records the outcome without posting when Slack is not configured', async () => {
    const v6 = await seedModel(db.db, 'v6');
    const id = await seedEvaluation(db.db, {
      modelId: v6.id,
      outcomes: outcomes(patB, problemB.id, () => true),
    });
    const calls = api.calls.length;
    const run = processor({ slack: null });
    await run(job('notify.evaluation-started', { evaluationId: id }));
    await run(job('notify.evaluation-finished', { evaluationId: id }));
    expect(api.calls).toHaveLength(calls);
    const [row] = await db.db.select().from(evaluations).where(eq(evaluations.id, id));
    expect(row?.notifiedAt).toBeInstanceOf(Date);
  });
});

describe('what users think, beside the pass rates', () => {
  it('puts the satisfaction line, per-problem ratings and a chart over time in the summary of a rated model', async () => {
    const v1 = await seedModel(db.db, 'v1', {
      name: 'support',
      registeredAt: new Date(Date.now() - 3 * DAY),
    });
    const v2 = await seedModel(db.db, 'v2', { name: 'support', slackChannel: MODELS });
    const rows = [
      ...Array.from({ length: 4 }, (_, i) => ({ modelId: v1.id, ups: i < 3 ? 1 : 0, downs: i < 3 ? 0 : 1 })),
      ...Array.from({ length: 10 }, (_, i) => ({ modelId: v2.id, ups: i < 9 ? 1 : 0, downs: i < 9 ? 0 : 1 })),
    ];
    await db.db.insert(observations).values(
      rows.map((r, i) => ({
        ...r,
        input: `q${i}`,
        output: 'a',
        at: new Date(Date.now() - (i % 3) * DAY),
        // One 👎 of v2 was turned into a pattern of problem A: A's line carries its users' rating.
        ...(r.modelId === v2.id && r.downs === 1
          ? { patternId: patA[0]?.patternId, status: 'patterned' as const }
          : {}),
      })),
    );
    const id = await seedEvaluation(db.db, {
      modelId: v2.id,
      outcomes: outcomes(patA, problemA.id, () => true),
    });
    await processor()(job('notify.evaluation-finished', { evaluationId: id }));
    const summary = api.messages(MODELS).find((m) => m.text.includes('support@v2'))!;
    const text = blockText(summary);
    expect(text).toContain('*What users think* users: 90% 👍 on v2 [');
    expect(text).toContain('vs 75% on v1, p = ');
    expect(text).toContain(`${problemA.key}`);
    expect(text).toContain('· users 0% 👍 (n=1)');
    expect(fileNames(MODELS, summary.ts)).toContain(`satisfaction-${id}.png`);
  });

  it('says nothing about users for a model nobody rated', async () => {
    const quiet = await seedModel(db.db, 'v1', { name: 'unrated', slackChannel: MODELS });
    const id = await seedEvaluation(db.db, {
      modelId: quiet.id,
      outcomes: outcomes(patB, problemB.id, () => true),
    });
    await processor()(job('notify.evaluation-finished', { evaluationId: id }));
    const summary = api.messages(MODELS).find((m) => m.text.includes('unrated@v1'))!;
    expect(blockText(summary)).not.toContain('users');
    expect(fileNames(MODELS, summary.ts)).not.toContain(`satisfaction-${id}.png`);
    expect(await ledgerEntry(db.db, `eval:${id}:summary:users-chart`)).toBeNull();
  });
});
