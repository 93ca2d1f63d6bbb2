import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChartRenderer } from '../../src/charts/index.ts';
import { signoffs } from '../../src/db/schema.ts';
import { createNotifyProcessor } from '../../src/notify/processor.ts';
import { allChangesMessages, type ChangeDetail } from '../../src/slack/blocks/all-changes.ts';
import { ACTION } from '../../src/slack/blocks/ids.ts';
import { job, log, seedEvaluation, seedModel, seedPatterns, seedProblem, slackFor } from '../notify/seed.ts';
import type { SlackMessage } from '../support/slack-api/index.ts';
import { CHANNEL, type Harness, OTHER, SIGNER, startHarness, USER } from './harness.ts';

const DAY = 24 * 3600 * 1000;
const TEXTS = [
  'great, another outage',
  'wow thanks a lot <!channel> & <@U0EVIL>',
  'love waiting',
  'so helpful',
  'nice crash',
  `brilliant ${'really '.repeat(60)}`,
  'superb delay',
  'fantastic bug',
];

let h: Harness;
let home: string;
let problem: { id: number; key: string };
let pats: { patternId: number; revisionId: number }[];
let v2: { id: number };
let v2Eval: number;
let result: SlackMessage;

interface Button {
  action_id: string;
  value: string;
}

function buttonsOf(message: SlackMessage): Button[] {
  return ((message.blocks ?? []) as { type: string; elements?: (Button & { type: string })[] }[])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements ?? []);
}

function button(actionId: string): Button {
  const found = buttonsOf(result).find((b) => b.action_id === actionId);
  if (!found) throw new Error(`no ${actionId} button on the result message`);
  return found;
}

/** Presses a button on the posted result message; returns what Slack received while it was handled. */
async function press(user: string, actionId: string, value = button(actionId).value) {
  const before = {
    handled: h.handled(),
    ephemerals: h.api.ephemerals.length,
    responses: h.api.responses.length,
    posts: h.api.callsTo('chat.postMessage').length,
  };
  const res = await h.pressButton({ user, channel: CHANNEL, messageTs: result.ts, actionId, value });
  expect(res.status).toBe(200);
  await h.api.waitFor(() => h.handled() > before.handled);
  return {
    ephemerals: h.api.ephemerals.slice(before.ephemerals),
    responses: h.api.responses.slice(before.responses).map((r) => JSON.stringify(r.body)),
    posts: h.api.callsTo('chat.postMessage').slice(before.posts),
  };
}

const signoffRows = () => h.deps.db.select().from(signoffs).where(eq(signoffs.problemId, problem.id));

beforeAll(async () => {
  h = await startHarness();
  const db = h.deps.db;
  home = h.api.addMessage(CHANNEL, { text: 'problem card stand-in', user: USER }).ts;
  problem = await seedProblem(db, {
    title: 'Sarcasm read as praise',
    threshold: 0.8,
    home: { channel: CHANNEL, ts: home },
  });
  pats = await seedPatterns(db, problem.id, TEXTS);
  const outcomes = (pass: (i: number) => boolean) =>
    pats.map((p, i) => ({ ...p, problemId: problem.id, pass: pass(i) }));
  const v1 = await seedModel(db, 'v1', { registeredAt: new Date(Date.now() - 3 * DAY) });
  await seedEvaluation(db, { modelId: v1.id, outcomes: outcomes((i) => i < 7) });
  v2 = await seedModel(db, 'v2', { registeredAt: new Date(Date.now() - 2 * DAY) });
  // Against v1: patterns 0–6 newly broken (more than the message lists), pattern 7 newly fixed.
  v2Eval = await seedEvaluation(db, { modelId: v2.id, outcomes: outcomes((i) => i === 7) });
  // A newer model that passes everything: a sign-off "at the newest model" would land here, not on v2.
  const v3 = await seedModel(db, 'v3', { registeredAt: new Date(Date.now() - DAY) });
  await seedEvaluation(db, { modelId: v3.id, outcomes: outcomes(() => true) });

  const notify = createNotifyProcessor({
    db,
    log,
    now: () => new Date(),
    slack: slackFor(h.api),
    charts: createChartRenderer({ renderer: 'quickchart', quickchartUrl: 'https://quickchart.example.org' }),
    modelsChannel: undefined,
  });
  await notify(job('notify.evaluation-finished', { evaluationId: v2Eval }));
  const posted = h.api.thread(CHANNEL, home).find((m) => m.text.includes('sentiment@v2 on'));
  if (!posted) throw new Error('the result message was not posted');
  result = posted;
});

afterAll(async () => {
  await h?.close();
});

describe('Show all', () => {
  it('answers only the clicker, in the thread, with every broken and fixed pattern, expected and answer', async () => {
    const threadBefore = h.api.thread(CHANNEL, home).length;
    expect(JSON.stringify(result.blocks)).toContain('… and 2 more');

    const { ephemerals, responses, posts } = await press(USER, ACTION.resultShowAll);

    expect(ephemerals.length).toBeGreaterThanOrEqual(1);
    for (const e of ephemerals) expect(e).toMatchObject({ channel: CHANNEL, user: USER, thread_ts: home });
    const shown = ephemerals.map((e) => JSON.stringify(e.blocks)).join('\n');
    expect(shown).toContain('Newly broken (7)');
    expect(shown).toContain('Newly fixed (1)');
    for (const p of pats) expect(shown).toContain(`#${p.patternId} (`);
    // Broken ones were answered "negative", the fixed one "positive"; all expected "positive".
    expect(shown.match(/expected label = positive · got negative/g)).toHaveLength(7);
    expect(shown.match(/expected label = positive · got positive/g)).toHaveLength(1);
    expect(shown).toContain('vs `sentiment@v1`');
    expect(shown).toContain('&lt;!channel&gt; &amp; &lt;@U0EVIL&gt;');
    expect(shown).not.toContain('<!channel>');
    expect(shown).not.toContain('really '.repeat(60));
    expect(h.api.thread(CHANNEL, home)).toHaveLength(threadBefore);
    expect(responses).toHaveLength(0);
    expect(posts).toHaveLength(0);
  });

  it('refuses a value that is not a pair of ids, changing nothing', async () => {
    const { ephemerals, responses } = await press(USER, ACTION.resultShowAll, 'P-1');
    expect(responses).toHaveLength(1);
    expect(responses[0]).toContain('can no longer read');
    expect(ephemerals).toHaveLength(0);
  });
});

describe('Sign off', () => {
  it('is refused for someone not in CANARY_SIGNERS, with nothing written', async () => {
    const { responses, posts } = await press(OTHER, ACTION.resultSignOff);
    expect(responses).toHaveLength(1);
    expect(responses[0]).toContain('Only the configured signers');
    expect(await signoffRows()).toHaveLength(0);
    expect(posts).toHaveLength(0);
  });

  it('signs a signer off at the model of that evaluation and its pass rate, noted in the home thread', async () => {
    const { responses, posts } = await press(SIGNER, ACTION.resultSignOff);
    const rows = await signoffRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ modelId: v2.id, passRate: 1 / 8, signedBy: SIGNER });
    expect(posts).toHaveLength(1);
    expect(posts[0]?.args.thread_ts).toBe(home);
    const note = h.api.thread(CHANNEL, home).find((m) => m.text.includes('signed off'));
    expect(note?.text).toContain(`<@${SIGNER}> signed off ${problem.key}`);
    expect(note?.text).toContain('sentiment@v2');
    expect(responses).toHaveLength(1);
    expect(responses[0]).toContain('You signed off');
  });

  it('tells a signer when the evaluation behind the button is gone', async () => {
    const value = JSON.stringify({ evaluationId: v2Eval + 1000, problemId: problem.id });
    const { responses, posts } = await press(SIGNER, ACTION.resultSignOff, value);
    expect(responses).toHaveLength(1);
    expect(responses[0]).toContain('no longer exists');
    expect(await signoffRows()).toHaveLength(1);
    expect(posts).toHaveLength(0);
  });
});

describe('the complete list, split to fit Slack', () => {
  it('spreads a long list over several messages within the limits, losing no pattern', () => {
    const change = (i: number): ChangeDetail => ({
      patternId: i,
      input: `${'long input '.repeat(40)}${i}`,
      polarity: 'positive',
      expectation: { one_of: Array.from({ length: 30 }, (_, k) => `label-${k}`) },
      prediction: { label: 'x'.repeat(500), score: 0.123456 },
    });
    const broken = Array.from({ length: 300 }, (_, i) => change(i + 1));
    const fixed = Array.from({ length: 120 }, (_, i) => change(1000 + i));
    const messages = allChangesMessages({
      model: 'sentiment@v9',
      problem: { key: 'P-9', title: 'Long lists' },
      baseline: 'sentiment@v8',
      broken,
      fixed,
    });
    expect(messages.length).toBeGreaterThan(1);
    const seen: number[] = [];
    for (const [i, m] of messages.entries()) {
      expect(m.blocks.length).toBeLessThanOrEqual(50);
      expect(m.text).toContain(`part ${i + 1} of ${messages.length}`);
      const size = JSON.stringify(m.blocks).length;
      expect(size).toBeLessThan(40_000);
      for (const b of m.blocks) {
        const text = (b as { text?: { text: string } }).text?.text ?? '';
        expect(Array.from(text).length).toBeLessThanOrEqual(3000);
        for (const match of text.matchAll(/• #(\d+) \(/g)) seen.push(Number(match[1]));
      }
    }
    expect(seen).toEqual([...broken, ...fixed].map((c) => c.patternId));
  });
});
