import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { controlEventsOf } from '../../src/db/queries/controls.ts';
import { insertModel } from '../../src/db/queries/models.ts';
import { models, patterns, problems } from '../../src/db/schema.ts';
import { addPattern, getPattern } from '../../src/services/patterns.ts';
import { createProblem } from '../../src/services/problems.ts';
import { flagSaved } from '../../src/slack/blocks/flag.ts';
import { ACTION } from '../../src/slack/blocks/ids.ts';
import { APP_ID, TEAM_DOMAIN, TEAM_ID } from '../support/slack-api/ids.ts';
import { ADMIN, CHANNEL, choice, harnessPerFile, radio, text, USER } from './harness.ts';

const h = harnessPerFile();

async function reply(): Promise<string> {
  const r = await h.api.waitFor(() => h.api.responses[0]);
  return (r.body as { text: string }).text;
}

async function model(name: string): Promise<number> {
  const row = await insertModel(h.deps.db, {
    name,
    version: 'v1',
    endpoint: { adapter: 'http', url: 'http://models.example/predict', options: {} },
    metrics: {},
    repeats: 1,
    registeredBy: null,
    slackChannel: null,
    slackTs: null,
  });
  return (row as { id: number }).id;
}

async function pattern(title: string) {
  const problem = await createProblem(h.deps, { title });
  const { pattern } = await addPattern(h.deps, {
    problem: problem.key,
    input: `${title} input`,
    expectation: { label: 'negative' },
    polarity: 'positive',
    source: 'contrived',
    notes: '',
  });
  return { problem, pattern };
}

/** A block_suggestion as Slack sends it when someone types into an external select. */
function suggest(blockId: string, value: string, container: Record<string, unknown>) {
  return h.interaction({
    type: 'block_suggestion',
    user: { id: USER, name: 'alice', team_id: TEAM_ID },
    container,
    api_app_id: APP_ID,
    token: 'verification-token-unused',
    action_id: 'value',
    block_id: blockId,
    value,
    team: { id: TEAM_ID, domain: TEAM_DOMAIN },
    channel: { id: CHANNEL, name: 'ml-problems' },
  });
}

describe('a threshold at creation follows the admin rule', () => {
  it('a member’s form has no threshold field, and a forged one is refused with nothing written', async () => {
    await h.command(USER, '/problem', 'new');
    const view = await h.api.waitFor(() => h.api.views.find((v) => v.view.callback_id === 'problem_new'));
    expect(JSON.stringify(view.view.blocks)).not.toContain('"block_id":"threshold"');
    const before = (await h.deps.db.select().from(problems)).length;
    const res = await h.submitView(view.id, USER, {
      title: text('Forged threshold'),
      threshold: text('100%'),
      severity: choice('high'),
    });
    expect(res.body).toMatchObject({
      response_action: 'errors',
      errors: {
        threshold: expect.stringMatching(/Only Canary admins \(CANARY_ADMINS\) can set a threshold/),
      },
    });
    expect((await h.deps.db.select().from(problems)).length).toBe(before);

    h.api.reset();
    await h.command(ADMIN, '/problem', 'new');
    const adminView = await h.api.waitFor(() =>
      h.api.views.find((v) => v.view.callback_id === 'problem_new'),
    );
    expect(JSON.stringify(adminView.view.blocks)).toContain('"block_id":"threshold"');
  });
});

describe('/model retire and restore', () => {
  it('members are refused; an admin retires and restores, recorded with who', async () => {
    const id = await model('slackret');
    await h.command(USER, '/model', 'retire slackret@v1');
    expect(await reply()).toMatch(/Only Canary admins \(CANARY_ADMINS\) can retire models/);
    expect((await h.deps.db.select().from(models).where(eq(models.id, id)))[0]?.status).toBe('candidate');

    h.api.reset();
    await h.command(ADMIN, '/model', 'retire slackret@v1');
    expect(await reply()).toMatch(/slackret@v1 is retired/);
    h.api.reset();
    await h.command(ADMIN, '/model', 'restore slackret@v1');
    expect(await reply()).toMatch(/slackret@v1 is a candidate again/);
    expect((await controlEventsOf(h.deps.db, 'model', id)).map((e) => [e.action, e.actor])).toEqual([
      ['model.retire', ADMIN],
      ['model.restore', ADMIN],
    ]);
    expect(h.scheduler.evaluations).toContainEqual({ modelId: id, trigger: 'manual' });
  });
});

describe('/pattern deactivate, reactivate and edit', () => {
  it('deactivate is admin-only and noted in the problem’s home thread', async () => {
    const { pattern: p } = await pattern('Deactivate me');
    await h.command(USER, '/pattern', `deactivate ${p.id}`);
    expect(await reply()).toMatch(/Only Canary admins/);
    expect((await getPattern(h.deps, p.id)).active).toBe(true);
    h.api.reset();
    await h.command(ADMIN, '/pattern', `deactivate #${p.id}`);
    expect(await reply()).toMatch(new RegExp(`deactivated pattern #${p.id}`));
    expect((await getPattern(h.deps, p.id)).deactivatedBy).toBe(ADMIN);
    h.api.reset();
    await h.command(ADMIN, '/pattern', `reactivate ${p.id}`);
    expect(await reply()).toMatch(/reactivated/);
    expect((await getPattern(h.deps, p.id)).active).toBe(true);
  });

  it('the Edit button on a receipt opens the form; saving makes a new revision, back-filled; a stale form is refused', async () => {
    const { problem, pattern: p } = await pattern('Edit me');
    const receipt = flagSaved({
      problemKey: problem.key,
      problemLink: null,
      patternId: p.id,
      expectation: p.expectation,
      savedBy: USER,
    });
    const posted = await h.slack.poster.post({
      channel: CHANNEL,
      text: receipt.text,
      blocks: receipt.blocks,
    });

    await h.pressButton({
      user: USER,
      channel: CHANNEL,
      messageTs: posted.ts,
      actionId: ACTION.patternEdit,
      value: String(p.id),
    });
    await h.api.waitFor(() => h.api.callsTo('chat.postEphemeral')[0] ?? h.api.responses[0]);
    expect(h.api.callsTo('views.open')).toHaveLength(0);

    await h.pressButton({
      user: ADMIN,
      channel: CHANNEL,
      messageTs: posted.ts,
      actionId: ACTION.patternEdit,
      value: String(p.id),
    });
    const view = await h.api.waitFor(() =>
      h.api.views.find((v) => v.view.callback_id === 'pattern_edit_modal'),
    );
    expect(JSON.stringify(view.view.blocks)).toContain('Edit me input');
    const values = {
      input: text('Edit me input, reworded'),
      input_format: choice('text'),
      expect_kind: choice('label'),
      expect_value: text('positive'),
      polarity: radio('positive'),
      notes: text('sharper'),
    };
    const ok = await h.submitView(view.id, ADMIN, values);
    expect(ok.text).toBe('');
    const edited = await getPattern(h.deps, p.id);
    expect(edited).toMatchObject({
      revision: 2,
      input: 'Edit me input, reworded',
      expectation: { label: 'positive' },
      notes: 'sharper',
    });
    expect(h.scheduler.backfills.map((b) => b.patternRevisionId)).toContain(edited.revisionId);
    expect((await controlEventsOf(h.deps.db, 'pattern', p.id)).map((e) => [e.action, e.actor])).toEqual([
      ['pattern.edit', ADMIN],
    ]);
    // The same form again was filled from revision 1: refused, not merged.
    const stale = await h.submitView(view.id, ADMIN, { ...values, notes: text('again') });
    expect(stale.body).toMatchObject({
      response_action: 'errors',
      errors: { input: expect.stringMatching(/now revision 2/) },
    });
    expect((await h.deps.db.select().from(patterns).where(eq(patterns.id, p.id)))[0]?.notes).toBe('sharper');
  });
});

describe('problem pickers search every open problem as people type', () => {
  it('a hundred and twenty junk problems cannot hide the real one', async () => {
    const real = await createProblem(h.deps, { title: 'Negation is misread' });
    for (let i = 0; i < 120; i++) await createProblem(h.deps, { title: `Junk ${i} aaaa` });
    const message = { type: 'message', message_ts: '1.1', channel_id: CHANNEL, is_ephemeral: false };

    const all = await suggest('flag_problem', '', message);
    expect(all.status).toBe(200);
    const shown = (all.body as { options: { value: string; text: { text: string } }[] }).options;
    expect(shown).toHaveLength(100);
    expect(shown.map((o) => o.value)).not.toContain(real.key);

    const typed = await suggest('flag_problem', 'negation', message);
    expect((typed.body as { options: { value: string }[] }).options.map((o) => o.value)).toEqual([real.key]);
    const byKey = await suggest('problem', real.key.toLowerCase(), { type: 'view', view_id: 'V1' });
    expect((byKey.body as { options: { value: string }[] }).options[0]?.value).toBe(real.key);
    // Wildcards typed are letters.
    const percent = await suggest('flag_problem', '%', message);
    expect((percent.body as { options: unknown[] }).options).toEqual([]);
  });

  it('the flag prompt and the add-pattern modal use an external select', async () => {
    await createProblem(h.deps, { title: 'Picker problem' });
    await h.command(USER, '/pattern', 'add');
    // `/pattern add` needs a key; the shortcut opens the picker form.
    const shortcut = await h.interaction({
      type: 'message_action',
      token: 'verification-token-unused',
      action_ts: `${Date.now() / 1000}`,
      team: { id: TEAM_ID, domain: TEAM_DOMAIN },
      user: { id: USER, username: 'alice', team_id: TEAM_ID, name: 'alice' },
      channel: { id: CHANNEL, name: 'ml-problems' },
      callback_id: 'add_as_pattern',
      trigger_id: h.api.triggerId(USER),
      message_ts: '5.5',
      message: { type: 'message', ts: '5.5', text: 'model said positive' },
      api_app_id: APP_ID,
    });
    expect(shortcut.status).toBe(200);
    const view = await h.api.waitFor(() => h.api.views.find((v) => v.view.callback_id === 'pattern_add'));
    const picker = (view.view.blocks as { block_id?: string; element?: { type: string } }[]).find(
      (b) => b.block_id === 'problem',
    );
    expect(picker?.element?.type).toBe('external_select');
  });
});
