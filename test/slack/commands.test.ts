import { describe, expect, it } from 'vitest';
import { models, patterns, problems } from '../../src/db/schema.ts';
import { addPattern } from '../../src/services/patterns.ts';
import { createProblem, getProblem } from '../../src/services/problems.ts';
import { ACTION } from '../../src/slack/blocks/ids.ts';
import { ADMIN, CHANNEL, harnessPerFile, seedResults, USER } from './harness.ts';

const h = harnessPerFile();

/** The ephemeral the command answered with through its response_url. */
async function ephemeralReply(): Promise<{ text: string; blocks: unknown[]; response_type: string }> {
  const r = await h.api.waitFor(() => h.api.responses[0]);
  return r.body as { text: string; blocks: unknown[]; response_type: string };
}

async function count(table: typeof problems | typeof patterns | typeof models): Promise<number> {
  return (await h.deps.db.select().from(table)).length;
}

describe('/problem', () => {
  it('new <title> creates the problem, posts its card in the channel and makes the card its home', async () => {
    const res = await h.command(USER, '/problem', 'new Sarcasm read as praise');
    expect(res.status).toBe(200);
    const card = await h.api.waitFor(() => h.api.messages(CHANNEL)[0]);
    expect(card.text).toContain('Sarcasm read as praise');
    const buttons = JSON.stringify(card.blocks);
    for (const id of [ACTION.problemAddPattern, ACTION.problemSetThreshold, ACTION.problemSignOff])
      expect(buttons).toContain(id);
    const key = /P-\d+/.exec(card.text)?.[0] as string;
    const problem = await h.api.waitFor(async () => {
      const p = await getProblem(h.deps, key);
      return p.homeTs ? p : null;
    });
    expect(problem).toMatchObject({
      title: 'Sarcasm read as praise',
      creatorId: USER,
      homeChannel: CHANNEL,
      homeTs: card.ts,
    });
  });

  it('new without a title opens the modal, whose submission creates the problem with its threshold', async () => {
    // Thresholds are an admin's to set (a member's form has no such field: test/slack/controls.test.ts).
    await h.command(ADMIN, '/problem', 'new');
    const view = await h.api.waitFor(() => h.api.views.find((v) => v.kind === 'modal'));
    expect(view.view.callback_id).toBe('problem_new');
    const before = await count(problems);
    const bad = await h.submitView(view.id, ADMIN, {
      title: { value: { type: 'plain_text_input', value: 'Negation ignored' } },
      threshold: { value: { type: 'plain_text_input', value: '180%' } },
      severity: { value: { type: 'static_select', selected_option: { value: 'high' } } },
      description: { value: { type: 'plain_text_input', value: null } },
    });
    expect(bad.body).toMatchObject({
      response_action: 'errors',
      errors: { threshold: expect.stringContaining('above 100%') },
    });
    expect(await count(problems)).toBe(before);

    const ok = await h.submitView(view.id, ADMIN, {
      title: { value: { type: 'plain_text_input', value: 'Negation ignored' } },
      threshold: { value: { type: 'plain_text_input', value: '85%' } },
      severity: { value: { type: 'static_select', selected_option: { value: 'high' } } },
      description: { value: { type: 'plain_text_input', value: 'not good → positive' } },
    });
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('');
    const card = await h.api.waitFor(() =>
      h.api.messages(CHANNEL).find((m) => m.text.includes('Negation ignored')),
    );
    const key = /P-\d+/.exec(card.text)?.[0] as string;
    const problem = await getProblem(h.deps, key);
    expect(problem).toMatchObject({ threshold: 0.85, severity: 'high', description: 'not good → positive' });
    await h.api.waitFor(async () => (await getProblem(h.deps, key)).homeTs === card.ts);
  });

  it('list, show, resolve and reopen answer privately and note changes in the home thread', async () => {
    const p = await createProblem(h.deps, { title: 'Emoji <!channel> flips sentiment', creatorId: USER });
    await h.command(USER, '/problem', 'list');
    const list = await ephemeralReply();
    expect(list.response_type).toBe('ephemeral');
    expect(JSON.stringify(list.blocks)).toContain(p.key);
    // User text is escaped: no channel-wide ping can be smuggled in through a title.
    expect(JSON.stringify(list.blocks)).not.toContain('<!channel>');
    expect(JSON.stringify(list.blocks)).toContain('&lt;!channel&gt;');

    h.api.reset();
    await h.command(USER, '/problem', `show ${p.key.toLowerCase()}`);
    expect(JSON.stringify((await ephemeralReply()).blocks)).toContain(p.key);

    h.api.reset();
    await h.command(USER, '/problem', `resolve ${p.key}`);
    expect((await ephemeralReply()).text).toContain('resolved');
    expect((await getProblem(h.deps, p.key)).status).toBe('resolved');
    h.api.reset();
    await h.command(USER, '/problem', `reopen ${p.key}`);
    await ephemeralReply();
    expect((await getProblem(h.deps, p.key)).status).toBe('open');
  });

  it('threshold is for admins: others are refused and nothing changes', async () => {
    const p = await createProblem(h.deps, { title: 'Threshold target' });
    await h.command(USER, '/problem', `threshold ${p.key} 80%`);
    expect((await ephemeralReply()).text).toMatch(/Only Canary admins/);
    expect((await getProblem(h.deps, p.key)).threshold).toBeNull();

    h.api.reset();
    await h.command(ADMIN, '/problem', `threshold ${p.key} 0.8`);
    expect((await ephemeralReply()).text).toContain('80%');
    expect((await getProblem(h.deps, p.key)).threshold).toBe(0.8);
  });

  it.each([
    ['frobnicate', /Unknown subcommand "frobnicate"/],
    ['show', /needs a problem key/],
    ['show banana', /not a problem key/],
    ['threshold P-1 1.5%x', /not a threshold/],
    ['threshold P-1 250', /above 100%/],
  ])('"%s" answers with what was wrong and the usage, creating nothing', async (args, message) => {
    const before = await count(problems);
    await h.command(ADMIN, '/problem', args);
    const reply = await ephemeralReply();
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toMatch(message);
    expect(reply.text).toContain('/problem new');
    expect(await count(problems)).toBe(before);
    expect(h.api.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('an unknown key is named in the reply', async () => {
    await h.command(ADMIN, '/problem', 'threshold P-9999 80%');
    expect((await ephemeralReply()).text).toContain('There is no problem P-9999.');
  });

  it('new in a channel Canary is not in still creates the problem and says how to fix it', async () => {
    h.api.addChannel({ id: 'C0OUTSIDE', name: 'outside', botIsMember: false });
    const before = await count(problems);
    const { sendCommand } = await import('../support/slack-requests.ts');
    await sendCommand(h.url, h.secret, {
      command: '/problem',
      text: 'new Outside problem',
      user_id: USER,
      channel_id: 'C0OUTSIDE',
      response_url: h.api.responseUrl(),
    });
    const reply = await ephemeralReply();
    expect(reply.text).toContain('Outside problem');
    expect(JSON.stringify(reply.blocks)).toContain('/invite @Canary');
    expect(await count(problems)).toBe(before + 1);
  });

  it('help lists every subcommand', async () => {
    await h.command(USER, '/problem', 'help');
    const reply = await ephemeralReply();
    for (const sub of ['new', 'list', 'show', 'threshold', 'resolve', 'reopen'])
      expect(reply.text).toContain(`/problem ${sub}`);
  });
});

describe('/pattern', () => {
  it('add <key> opens the modal for that problem; its submission saves a contrived pattern and notes it in the home thread', async () => {
    await h.command(USER, '/problem', 'new Double negation');
    const card = await h.api.waitFor(() =>
      h.api.messages(CHANNEL).find((m) => m.text.includes('Double negation')),
    );
    const key = /P-\d+/.exec(card.text)?.[0] as string;
    await h.api.waitFor(async () => (await getProblem(h.deps, key)).homeTs);

    await h.command(USER, '/pattern', `add ${key}`);
    const view = await h.api.waitFor(() => h.api.views.find((v) => v.view.callback_id === 'pattern_add'));
    expect(JSON.stringify(view.view.blocks)).toContain(key);

    const bad = await h.submitView(view.id, USER, {
      input: { value: { type: 'plain_text_input', value: 'not bad at all' } },
      input_format: { value: { type: 'static_select', selected_option: { value: 'text' } } },
      expect_kind: { value: { type: 'static_select', selected_option: { value: 'regex' } } },
      expect_value: { value: { type: 'plain_text_input', value: '/([a-/' } },
      polarity: { value: { type: 'radio_buttons', selected_option: { value: 'positive' } } },
      notes: { value: { type: 'plain_text_input', value: null } },
    });
    expect(bad.body).toMatchObject({
      response_action: 'errors',
      errors: { expect_value: expect.any(String) },
    });
    expect(await count(patterns)).toBe(0);

    const ok = await h.submitView(view.id, USER, {
      input: { value: { type: 'plain_text_input', value: 'not bad at all' } },
      input_format: { value: { type: 'static_select', selected_option: { value: 'text' } } },
      expect_kind: { value: { type: 'static_select', selected_option: { value: 'label' } } },
      expect_value: { value: { type: 'plain_text_input', value: 'positive' } },
      polarity: { value: { type: 'radio_buttons', selected_option: { value: 'positive' } } },
      notes: { value: { type: 'plain_text_input', value: 'litotes' } },
    });
    expect(ok.text).toBe('');
    const [row] = await h.deps.db.select().from(patterns);
    expect(row).toMatchObject({
      source: 'contrived',
      notes: 'litotes',
      creatorId: USER,
      sourceChannel: null,
    });
    // Queued after the ack, so it is waited for rather than expected at once.
    await h.api.waitFor(() => h.scheduler.backfills.length > 0);
    const note = await h.api.waitFor(() =>
      h.api.thread(CHANNEL, card.ts).find((m) => m.text.includes('added pattern')),
    );
    expect(note.text).toContain('label = positive');

    h.api.reset();
    await h.command(USER, '/pattern', `list ${key}`);
    const list = await ephemeralReply();
    expect(JSON.stringify(list.blocks)).toContain('not bad at all');
  });

  it('add for an unknown key opens nothing and says so', async () => {
    await h.command(USER, '/pattern', 'add P-4242');
    expect((await ephemeralReply()).text).toContain('There is no problem P-4242.');
    expect(h.api.callsTo('views.open')).toHaveLength(0);
  });

  it('a missing key gets the usage', async () => {
    await h.command(USER, '/pattern', 'add');
    const reply = await ephemeralReply();
    expect(reply.text).toMatch(/needs a problem key/);
    expect(reply.text).toContain('/pattern list');
  });
});

describe('/model', () => {
  it('register is for admins; a non-admin is refused and no model is created', async () => {
    await h.command(USER, '/model', 'register sentiment v1 http http://models.example/predict');
    expect((await ephemeralReply()).text).toMatch(/Only Canary admins/);
    expect(await count(models)).toBe(0);
    expect(h.scheduler.evaluations).toHaveLength(0);
  });

  it('register by an admin creates the model and queues its evaluation; a duplicate is refused', async () => {
    await h.command(ADMIN, '/model', 'register sentiment v1 http <http://models.example/predict>');
    expect((await ephemeralReply()).text).toContain('Registered sentiment@v1');
    expect(h.scheduler.evaluations.at(-1)).toMatchObject({ trigger: 'register' });
    h.api.reset();
    await h.command(ADMIN, '/model', 'register sentiment v1 http http://models.example/predict');
    expect((await ephemeralReply()).text).toContain('already registered');
  });

  it('wrong arguments get the usage', async () => {
    await h.command(ADMIN, '/model', 'register sentiment v1 grpc http://x');
    const reply = await ephemeralReply();
    expect(reply.text).toMatch(/Unknown adapter "grpc"/);
    expect(reply.text).toContain('/model compare');
  });

  it('list, compare and promote', async () => {
    const problem = await createProblem(h.deps, { title: 'Compare me', threshold: 0.5 });
    const p1 = await addPattern(h.deps, {
      problem: problem.key,
      input: 'a',
      expectation: { label: 'x' },
      polarity: 'positive',
      source: 'contrived',
      notes: '',
    });
    const p2 = await addPattern(h.deps, {
      problem: problem.key,
      input: 'b',
      expectation: { label: 'x' },
      polarity: 'positive',
      source: 'contrived',
      notes: '',
    });
    await seedResults(h.deps, {
      name: 'cmp',
      version: 'v1',
      outcomes: [
        { patternId: p1.pattern.id, problemId: problem.id, passed: false },
        { patternId: p2.pattern.id, problemId: problem.id, passed: true },
      ],
    });
    await seedResults(h.deps, {
      name: 'cmp',
      version: 'v2',
      outcomes: [
        { patternId: p1.pattern.id, problemId: problem.id, passed: true },
        { patternId: p2.pattern.id, problemId: problem.id, passed: true },
      ],
    });
    await h.command(USER, '/model', 'list');
    expect(JSON.stringify((await ephemeralReply()).blocks)).toContain('cmp@v2');

    h.api.reset();
    await h.command(USER, '/model', 'compare cmp@v1 cmp@v2');
    const compare = await ephemeralReply();
    const shown = JSON.stringify(compare.blocks);
    expect(shown).toContain(problem.key);
    expect(shown).toContain('50%');
    expect(shown).toContain('100%');
    expect(shown).toContain('fixed 1');
    expect(shown).toContain('broken 0');

    h.api.reset();
    await h.command(USER, '/model', 'compare cmp@v1 cmp@v9');
    expect((await ephemeralReply()).text).toContain('cmp@v9');

    h.api.reset();
    await h.command(USER, '/model', 'promote cmp@v2');
    expect((await ephemeralReply()).text).toMatch(/Only Canary admins/);
    h.api.reset();
    await h.command(ADMIN, '/model', 'promote cmp@v2');
    expect((await ephemeralReply()).text).toContain('cmp@v2 is now the production model');
  });
});
