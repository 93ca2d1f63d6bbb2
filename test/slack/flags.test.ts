import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getProblemById } from '../../src/db/queries/problems.ts';
import { flags, patterns } from '../../src/db/schema.ts';
import { createProblem, getProblem } from '../../src/services/problems.ts';
import { ACTION } from '../../src/slack/blocks/ids.ts';
import { messageShortcutPayload } from '../support/slack-requests.ts';
import { CHANNEL, FLAG, harnessPerFile, OTHER, USER } from './harness.ts';

const h = harnessPerFile();

async function problemWithHome(title: string) {
  await h.command(USER, '/problem', `new ${title}`);
  const card = await h.api.waitFor(() => h.api.messages(CHANNEL).find((m) => m.text.includes(title)));
  const key = /P-\d+/.exec(card.text)?.[0] as string;
  await h.api.waitFor(async () => (await getProblem(h.deps, key)).homeTs);
  return { key, cardTs: card.ts };
}

function reaction(user: string, ts: string, name = FLAG) {
  return {
    type: 'reaction_added',
    user,
    reaction: name,
    item: { type: 'message', channel: CHANNEL, ts },
    item_user: 'U0PRODBOT',
  };
}

describe('flag reaction', () => {
  it('prompts in the message thread; Save makes a production pattern, ✅, and a note in the home thread', async () => {
    const { key, cardTs } = await problemWithHome('Refunds read as praise');
    const output = h.api.addMessage(CHANNEL, {
      user: 'U0PRODBOT',
      text: 'Review: "great, another refund" → positive',
    });

    const res = await h.event(reaction(USER, output.ts));
    expect(res.status).toBe(200);
    const prompt = await h.api.waitFor(() =>
      h.api
        .thread(CHANNEL, output.ts)
        .find((m) => m.ts !== output.ts && JSON.stringify(m.blocks).includes(ACTION.flagSave)),
    );
    expect(prompt.thread_ts).toBe(output.ts);
    // The picker is a type-ahead: the problem is offered when searched for, not listed in the message.
    expect(JSON.stringify(prompt.blocks)).toContain('"type":"external_select"');
    const flag = await h.api.waitFor(async () =>
      (await h.deps.db.select().from(flags)).find((f) => f.promptTs),
    );
    expect(flag).toMatchObject({
      channel: CHANNEL,
      ts: output.ts,
      flaggedBy: USER,
      promptTs: prompt.ts,
      patternId: null,
    });

    // Save without choosing a problem: told privately, nothing saved.
    await h.pressButton({
      user: USER,
      channel: CHANNEL,
      messageTs: prompt.ts,
      actionId: ACTION.flagSave,
      value: String(flag?.id),
    });
    const refusal = await h.api.waitFor(() => h.api.responses[0]);
    expect(JSON.stringify(refusal.body)).toContain('Pick the problem');
    expect(await h.deps.db.select().from(patterns)).toHaveLength(0);

    const state = {
      flag_problem: { value: { type: 'static_select', selected_option: { value: key } } },
      flag_expected: { value: { type: 'plain_text_input', value: 'negative' } },
    };
    await h.pressButton({
      user: USER,
      channel: CHANNEL,
      messageTs: prompt.ts,
      actionId: ACTION.flagSave,
      value: String(flag?.id),
      state,
    });
    const saved = await h.api.waitFor(async () => (await h.deps.db.select().from(patterns))[0]);
    expect(saved).toMatchObject({
      source: 'production',
      sourceChannel: CHANNEL,
      sourceTs: output.ts,
      creatorId: USER,
    });
    expect(saved.sourcePermalink).toContain(`/archives/${CHANNEL}/p${output.ts.replace('.', '')}`);
    await h.api.waitFor(() => h.scheduler.backfills.length > 0);

    await h.api.waitFor(() => h.api.callsTo('reactions.add').find((c) => c.args.name === 'white_check_mark'));
    const receipt = await h.api.waitFor(() =>
      h.api.allMessages(CHANNEL).find((m) => m.ts === prompt.ts && m.text.includes('Saved as pattern')),
    );
    expect(JSON.stringify(receipt.blocks)).toContain(key);
    expect(JSON.stringify(receipt.blocks)).not.toContain(ACTION.flagSave);
    await h.api.waitFor(() =>
      h.api.thread(CHANNEL, cardTs).find((m) => m.text.includes(`added pattern #${saved.id}`)),
    );
    const [linked] = await h.deps.db
      .select()
      .from(flags)
      .where(eq(flags.id, flag?.id as number));
    expect(linked?.patternId).toBe(saved.id);

    // Pressing Save again on the old prompt does not make a second pattern.
    h.api.reset();
    await h.pressButton({
      user: OTHER,
      channel: CHANNEL,
      messageTs: prompt.ts,
      actionId: ACTION.flagSave,
      value: String(flag?.id),
      state,
    });
    expect(JSON.stringify((await h.api.waitFor(() => h.api.responses[0])).body)).toContain('already saved');
    expect(await h.deps.db.select().from(patterns)).toHaveLength(1);
  });

  it('two people reacting, and the same person twice, make one prompt', async () => {
    await problemWithHome('Double flags');
    const output = h.api.addMessage(CHANNEL, { user: 'U0PRODBOT', text: 'flag me twice' });
    const before = h.handled();
    await Promise.all([h.event(reaction(USER, output.ts)), h.event(reaction(OTHER, output.ts))]);
    await h.event(reaction(USER, output.ts));
    await h.api.waitFor(() => h.handled() >= before + 3);
    expect(await h.deps.db.select().from(flags).where(eq(flags.ts, output.ts))).toHaveLength(1);
    const prompts = h.api
      .thread(CHANNEL, output.ts)
      .filter((m) => JSON.stringify(m.blocks ?? []).includes(ACTION.flagSave));
    expect(prompts).toHaveLength(1);
  });

  it('a flag on a thread reply prompts in that thread', async () => {
    await problemWithHome('Thread replies');
    const parent = h.api.addMessage(CHANNEL, { user: 'U0PRODBOT', text: 'parent' });
    const reply = h.api.addMessage(CHANNEL, {
      user: 'U0PRODBOT',
      text: 'the broken reply',
      thread_ts: parent.ts,
    });
    await h.event(reaction(USER, reply.ts));
    const prompt = await h.api.waitFor(() =>
      h.api.thread(CHANNEL, parent.ts).find((m) => JSON.stringify(m.blocks ?? []).includes(ACTION.flagSave)),
    );
    expect(prompt.thread_ts).toBe(parent.ts);
    const [flag] = await h.deps.db.select().from(flags).where(eq(flags.ts, reply.ts));
    expect(flag?.text).toBe('the broken reply');
  });

  it('other emoji are ignored', async () => {
    // Not a thumb: 👍/👎 are ratings now (test/slack/ratings.test.ts) and do read the message.
    const output = h.api.addMessage(CHANNEL, { user: 'U0PRODBOT', text: 'party' });
    const before = h.handled();
    await h.event(reaction(USER, output.ts, 'tada'));
    await h.event({ type: 'app_home_opened', user: USER, channel: 'D0HOME', tab: 'messages' });
    await h.api.waitFor(() => h.handled() >= before + 2);
    expect(h.api.callsTo('views.publish')).toHaveLength(0);
    expect(await h.deps.db.select().from(flags).where(eq(flags.ts, output.ts))).toHaveLength(0);
    expect(h.api.callsTo('conversations.history')).toHaveLength(0);
  });
});

describe('Add as pattern shortcut', () => {
  it('opens a prefilled modal; submitting with a new problem creates both and keeps the permalink', async () => {
    const message = h.api.addMessage(CHANNEL, {
      user: 'U0PRODBOT',
      text: 'I *love* waiting 40 minutes → positive',
    });
    await h.interaction(
      messageShortcutPayload({
        callbackId: 'add_as_pattern',
        userId: USER,
        channelId: CHANNEL,
        message,
        triggerId: h.api.triggerId(USER),
        responseUrl: h.api.responseUrl(),
      }),
    );
    const view = await h.api.waitFor(() => h.api.views.find((v) => v.view.callback_id === 'pattern_add'));
    expect(JSON.stringify(view.view.blocks)).toContain('I *love* waiting 40 minutes');
    expect(JSON.stringify(view.view.blocks)).toContain('new_problem_title');

    const values = {
      new_problem_title: { value: { type: 'plain_text_input', value: 'Sarcastic waits' } },
      input: { value: { type: 'plain_text_input', value: message.text } },
      input_format: { value: { type: 'static_select', selected_option: { value: 'text' } } },
      expect_kind: { value: { type: 'static_select', selected_option: { value: 'label' } } },
      expect_value: { value: { type: 'plain_text_input', value: 'negative' } },
      polarity: { value: { type: 'radio_buttons', selected_option: { value: 'positive' } } },
      notes: { value: { type: 'plain_text_input', value: null } },
    };
    const res = await h.submitView(view.id, USER, values);
    expect(res.text).toBe('');
    const [row] = await h.deps.db.select().from(patterns).where(eq(patterns.sourceTs, message.ts));
    expect(row).toMatchObject({ source: 'production', sourceChannel: CHANNEL });
    expect(row?.sourcePermalink).toContain(`/archives/${CHANNEL}/p`);
    const problem = await getProblemById(h.deps.db, row?.problemId as number);
    expect(problem).toMatchObject({ title: 'Sarcastic waits', creatorId: USER });
    // The new problem's card is posted where the shortcut was used, and becomes its home.
    const card = await h.api.waitFor(() =>
      h.api.messages(CHANNEL).find((m) => m.text.includes('Sarcastic waits')),
    );
    const home = await h.api.waitFor(
      async () => (await getProblemById(h.deps.db, problem?.id as number))?.homeTs,
    );
    expect(home).toBe(card.ts);

    // The same message again: refused on the form, no second pattern.
    const again = await h.submitView(view.id, USER, {
      ...values,
      new_problem_title: { value: { type: 'plain_text_input', value: null } },
      problem: { value: { type: 'static_select', selected_option: { value: /P-\d+/.exec(card.text)?.[0] } } },
    });
    expect(again.body).toMatchObject({
      response_action: 'errors',
      errors: { input: expect.stringContaining('already pattern') },
    });
    expect(await h.deps.db.select().from(patterns).where(eq(patterns.sourceTs, message.ts))).toHaveLength(1);
  });

  it('refuses a form with neither an existing nor a new problem', async () => {
    await createProblem(h.deps, { title: 'Existing one' });
    const message = h.api.addMessage(CHANNEL, { user: 'U0PRODBOT', text: 'orphan' });
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
    const res = await h.submitView(view.id, USER, {
      problem: { value: { type: 'static_select', selected_option: null } },
      new_problem_title: { value: { type: 'plain_text_input', value: null } },
      input: { value: { type: 'plain_text_input', value: 'orphan' } },
      input_format: { value: { type: 'static_select', selected_option: { value: 'text' } } },
      expect_kind: { value: { type: 'static_select', selected_option: { value: 'label' } } },
      expect_value: { value: { type: 'plain_text_input', value: 'negative' } },
      polarity: { value: { type: 'radio_buttons', selected_option: { value: 'positive' } } },
    });
    expect(res.body).toMatchObject({
      response_action: 'errors',
      errors: { new_problem_title: expect.stringContaining('Pick a problem') },
    });
    expect(await h.deps.db.select().from(patterns).where(eq(patterns.sourceTs, message.ts))).toHaveLength(0);
  });
});

describe('flag Save pressed twice at once', () => {
  it('makes one pattern', async () => {
    const { key } = await problemWithHome('Racing saves');
    const output = h.api.addMessage(CHANNEL, { user: 'U0PRODBOT', text: 'race me' });
    await h.event(reaction(USER, output.ts));
    const flag = await h.api.waitFor(async () =>
      (await h.deps.db.select().from(flags).where(eq(flags.ts, output.ts))).find((f) => f.promptTs),
    );
    const state = {
      flag_problem: { value: { type: 'static_select', selected_option: { value: key } } },
      flag_expected: { value: { type: 'plain_text_input', value: 'not:positive' } },
    };
    const before = h.handled();
    const press = (user: string) =>
      h.pressButton({
        user,
        channel: CHANNEL,
        messageTs: flag.promptTs as string,
        actionId: ACTION.flagSave,
        value: String(flag.id),
        state,
      });
    await Promise.all([press(USER), press(OTHER)]);
    await h.api.waitFor(() => h.handled() >= before + 2);
    const rows = await h.deps.db.select().from(patterns).where(eq(patterns.sourceTs, output.ts));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ source: 'production' });
  });
});
