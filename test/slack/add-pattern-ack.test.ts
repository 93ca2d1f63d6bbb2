import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { patterns } from '../../src/db/schema.ts';
import type { EvaluationScheduler } from '../../src/services/ports.ts';
import { getProblem } from '../../src/services/problems.ts';
import { messageShortcutPayload } from '../support/slack-requests.ts';
import { CHANNEL, harnessPerFile, USER } from './harness.ts';

const h = harnessPerFile();

// Slack shows the user an error when a view_submission is not answered within 3 s; Canary aims well under.
const ACK_WITHIN_MS = 1000;
const SLOW_SLACK_MS = 4000;

const form = (input: string, extra: Record<string, Record<string, unknown>> = {}) => ({
  input: { value: { type: 'plain_text_input', value: input } },
  input_format: { value: { type: 'static_select', selected_option: { value: 'text' } } },
  expect_kind: { value: { type: 'static_select', selected_option: { value: 'label' } } },
  expect_value: { value: { type: 'plain_text_input', value: 'negative' } },
  polarity: { value: { type: 'radio_buttons', selected_option: { value: 'positive' } } },
  notes: { value: { type: 'plain_text_input', value: null } },
  ...extra,
});

async function problemWithHome(title: string) {
  await h.command(USER, '/problem', `new ${title}`);
  const card = await h.api.waitFor(() => h.api.messages(CHANNEL).find((m) => m.text.includes(title)));
  const key = /P-\d+/.exec(card.text)?.[0] as string;
  await h.api.waitFor(async () => (await getProblem(h.deps, key)).homeTs);
  return { key, cardTs: card.ts };
}

async function openPatternModal(key: string) {
  await h.command(USER, '/pattern', `add ${key}`);
  return h.api.waitFor(() => h.api.views.find((v) => v.view.callback_id === 'pattern_add'));
}

async function openShortcutModal(text: string) {
  const message = h.api.addMessage(CHANNEL, { user: 'U0PRODBOT', text });
  await h.interaction(
    messageShortcutPayload({
      callbackId: 'add_as_pattern',
      userId: USER,
      channelId: CHANNEL,
      message,
      triggerId: h.api.triggerId(USER),
    }),
  );
  const view = await h.api.waitFor(() => h.api.views.find((v) => v.view.callback_id === 'pattern_add'));
  return { message, view };
}

/** Back-fills wait until released: proof that the ack did not wait for the queue. */
function holdBackfills() {
  const scheduler = h.scheduler as EvaluationScheduler;
  const real = scheduler.backfillRevision;
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  scheduler.backfillRevision = async (input) => {
    await released;
    return real.call(scheduler, input);
  };
  restore = () => {
    release();
    scheduler.backfillRevision = real;
  };
  return release;
}
let restore = () => {};
afterEach(() => restore());

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

describe('add-pattern submission answers before the slow part', () => {
  it('acks within a second while the home-thread post is slow and the back-fill is held; both happen after', async () => {
    const { key, cardTs } = await problemWithHome('Slow Slack day');
    const view = await openPatternModal(key);
    h.api.failNext('chat.postMessage', { delayMs: SLOW_SLACK_MS });
    const release = holdBackfills();

    const { result: res, ms } = await timed(() => h.submitView(view.id, USER, form('so slow, great')));

    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(ms).toBeLessThan(ACK_WITHIN_MS);
    const { id: problemId } = await getProblem(h.deps, key);
    const [row] = await h.deps.db.select().from(patterns).where(eq(patterns.problemId, problemId));
    expect(row).toMatchObject({ source: 'contrived', creatorId: USER });
    expect(h.scheduler.backfills).toHaveLength(0);

    release();
    await h.api.waitFor(() => h.scheduler.backfills.find((b) => b.requestedBy === USER));
    const note = await h.api.waitFor(
      () => h.api.thread(CHANNEL, cardTs).find((m) => m.text.includes(`added pattern #${row?.id}`)),
      SLOW_SLACK_MS + 5000,
    );
    expect(note.text).toContain('Back-fill queued on every model.');
  }, 20_000);

  it('a shortcut with a new problem acks at once; the card is posted later and becomes the home', async () => {
    const { message, view } = await openShortcutModal('the delay was *delightful*');
    h.api.failNext('chat.postMessage', { delayMs: SLOW_SLACK_MS });

    const { result: res, ms } = await timed(() =>
      h.submitView(view.id, USER, {
        ...form(message.text),
        new_problem_title: { value: { type: 'plain_text_input', value: 'Delightful delays' } },
      }),
    );

    expect(res.text).toBe('');
    expect(ms).toBeLessThan(ACK_WITHIN_MS);
    const [row] = await h.deps.db.select().from(patterns).where(eq(patterns.sourceTs, message.ts));
    expect(row?.sourcePermalink).toContain(`/archives/${CHANNEL}/p`);
    const card = await h.api.waitFor(
      () => h.api.messages(CHANNEL).find((m) => m.text.includes('Delightful delays')),
      SLOW_SLACK_MS + 5000,
    );
    const key = /P-\d+/.exec(card.text)?.[0] as string;
    await h.api.waitFor(async () => (await getProblem(h.deps, key)).homeTs === card.ts);
    // Posted after the pattern was saved, so the card already counts it.
    expect(card.text).toContain('1 patterns');
  }, 20_000);

  it('a slow permalink lookup holds the ack only briefly; the pattern is saved and the note still links', async () => {
    const { key, cardTs } = await problemWithHome('Slow permalinks');
    const { message, view } = await openShortcutModal('fine. just fine.');
    h.api.failNext('chat.getPermalink', { delayMs: 2000 });

    const { result: res, ms } = await timed(() =>
      h.submitView(view.id, USER, {
        ...form(message.text),
        problem: { value: { type: 'static_select', selected_option: { value: key } } },
      }),
    );

    expect(res.text).toBe('');
    expect(ms).toBeLessThan(ACK_WITHIN_MS + 500);
    const [row] = await h.deps.db.select().from(patterns).where(eq(patterns.sourceTs, message.ts));
    expect(row).toMatchObject({ source: 'production', sourcePermalink: null });
    const note = await h.api.waitFor(
      () => h.api.thread(CHANNEL, cardTs).find((m) => m.text.includes(`added pattern #${row?.id}`)),
      8000,
    );
    expect(note.text).toContain(`/archives/${CHANNEL}/p`);
  }, 20_000);

  it('field errors still come back in the ack, quickly, with Slack slow', async () => {
    const { key } = await problemWithHome('Still refused');
    const view = await openPatternModal(key);
    h.api.failNext('chat.postMessage', { delayMs: SLOW_SLACK_MS, times: 3 });

    const { result: bad, ms } = await timed(() =>
      h.submitView(view.id, USER, {
        ...form('x'),
        expect_kind: { value: { type: 'static_select', selected_option: { value: 'regex' } } },
        expect_value: { value: { type: 'plain_text_input', value: '/([a-/' } },
      }),
    );
    expect(ms).toBeLessThan(ACK_WITHIN_MS);
    expect(bad.body).toMatchObject({
      response_action: 'errors',
      errors: { expect_value: expect.any(String) },
    });

    const ok = await h.submitView(view.id, USER, form('twice over'));
    expect(ok.text).toBe('');
    const { result: again, ms: againMs } = await timed(() => h.submitView(view.id, USER, form('twice over')));
    expect(againMs).toBeLessThan(ACK_WITHIN_MS);
    expect(again.body).toMatchObject({
      response_action: 'errors',
      errors: { input: expect.stringContaining('already pattern') },
    });
    const { id: problemId } = await getProblem(h.deps, key);
    expect(await h.deps.db.select().from(patterns).where(eq(patterns.problemId, problemId))).toHaveLength(1);
  }, 20_000);
});
