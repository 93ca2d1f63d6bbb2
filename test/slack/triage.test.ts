import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateObservation } from '../../src/core/observation.ts';
import { observations, patternRevisions, patterns } from '../../src/db/schema.ts';
import { addObservations } from '../../src/services/observations.ts';
import { createProblem } from '../../src/services/problems.ts';
import { ACTION } from '../../src/slack/blocks/ids.ts';
import { LIMITS } from '../../src/slack/blocks/limits.ts';
import { APP_ID, TEAM_ID } from '../support/slack-api/index.ts';
import { CHANNEL, choice, harnessPerFile, OTHER, radio, seedResults, text, USER } from './harness.ts';

const h = harnessPerFile();
beforeAll(async () => {
  await seedResults(h.deps, { name: 'support-bot', version: 'v3', outcomes: [] });
});

type Block = {
  type: string;
  block_id?: string;
  text?: { text: string };
  elements?: { action_id?: string; value?: string; text?: { text: string } }[];
};

async function complaint(input: unknown, output: string, opts: { slackTs?: string; model?: string } = {}) {
  const checked = validateObservation(
    {
      model: opts.model ?? 'support-bot@v3',
      input,
      output,
      rating: 'down',
      ...(opts.slackTs ? { metadata: { slack: { channel: CHANNEL, ts: opts.slackTs } } } : {}),
    },
    4096,
  );
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  const { items } = await addObservations(h.deps, [checked.value]);
  return items[0]?.id as number;
}

/** Opens App Home as Slack would and returns the view Canary published. */
async function openHome(user: string): Promise<Block[]> {
  const publishes = () => h.api.callsTo('views.publish').filter((c) => c.args.user_id === user).length;
  const before = publishes();
  await h.event({ type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home' });
  await h.api.waitFor(() => publishes() > before || undefined);
  return (h.api.homeView(user)?.view.blocks ?? []) as Block[];
}

/** Presses a button in the user's App Home (a view container: no channel, no response_url). */
async function pressHome(user: string, actionId: string, value: string) {
  const home = h.api.homeView(user);
  if (!home) throw new Error('no home view');
  const before = h.handled();
  const res = await h.interaction({
    type: 'block_actions',
    team: { id: TEAM_ID, domain: 'canary' },
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: TEAM_ID },
    api_app_id: APP_ID,
    token: 'verification-token-unused',
    container: { type: 'view', view_id: home.id },
    trigger_id: h.api.triggerId(user),
    view: { ...home.view, id: home.id, team_id: TEAM_ID, app_id: APP_ID, state: { values: {} } },
    actions: [{ action_id: actionId, block_id: `triage:${value}`, value, type: 'button', action_ts: '1.0' }],
  });
  expect(res.status).toBe(200);
  await h.api.waitFor(() => h.handled() > before || undefined);
}

function triageButtons(blocks: Block[]): { id: string; actions: string[] }[] {
  return blocks
    .filter((b) => b.type === 'actions' && b.block_id?.startsWith('triage:'))
    .map((b) => ({
      id: b.block_id?.slice('triage:'.length) ?? '',
      actions: (b.elements ?? []).map((e) => e.action_id ?? ''),
    }));
}

const lastModal = (callbackId: string) =>
  h.api.waitFor(() => [...h.api.views].reverse().find((v) => v.view.callback_id === callbackId));

const dmTo = (user: string) =>
  h.api
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === user)
    .map((c) => String(c.args.text));

describe('triage in Slack: Add as pattern and Dismiss', () => {
  it('App Home lists complaints newest first, grouped; Add as pattern makes a linked production pattern, back-filled, and empties the group', async () => {
    const problem = await createProblem(h.deps, { title: 'Parcel tracking answers' });
    const rated = h.api.addMessage(CHANNEL, { user: 'U0APP', text: 'Your parcel is a banana.' });
    const first = await complaint('Where is my parcel?', 'a banana');
    const newest = await complaint('Where is my parcel?', 'Your parcel is a banana.', { slackTs: rated.ts });

    const blocks = await openHome(USER);
    const lines = triageButtons(blocks);
    expect(lines[0]).toEqual({
      id: String(newest),
      actions: [ACTION.triageAddPattern, ACTION.triageDismiss],
    });
    expect(JSON.stringify(blocks)).toContain(`*#${newest}* · 👎 ×2 · support-bot@v3`);
    // The complaints are ratings too: satisfaction is shown beside the problems, counted from the two 👎.
    expect(JSON.stringify(blocks)).toContain('What users think');
    expect(JSON.stringify(blocks)).toContain('support-bot — users: 0% 👍 on v3 [0–66%]');
    expect(lines.map((l) => l.id)).not.toContain(String(first));

    await pressHome(USER, ACTION.triageAddPattern, String(newest));
    const modal = await lastModal('triage_pattern');
    const shown = JSON.stringify(modal.view.blocks);
    expect(shown).toContain('Your parcel is a banana.');
    const input = (modal.view.blocks as { block_id?: string; element?: { initial_value?: string } }[]).find(
      (b) => b.block_id === 'input',
    );
    expect(input?.element?.initial_value).toBe('Where is my parcel?');
    // The existing type-ahead picker, and a field to create a problem instead.
    expect(shown).toContain('external_select');
    expect(shown).toContain('new_problem_title');

    const res = await h.submitView(modal.id, USER, {
      problem: { value: { type: 'external_select', selected_option: { value: problem.key } } },
      new_problem_title: text(''),
      input: text('Where is my parcel?'),
      input_format: choice('text'),
      expect_kind: choice('contains'),
      expect_value: text('tracking'),
      polarity: radio('positive'),
      notes: text(`From observation #${newest}`),
    });
    expect(res.text).toBe('');

    const [pattern] = await h.deps.db.select().from(patterns).where(eq(patterns.problemId, problem.id));
    expect(pattern).toMatchObject({ source: 'production', sourceChannel: CHANNEL, sourceTs: rated.ts });
    expect(pattern?.sourcePermalink).toContain(`/archives/${CHANNEL}/p`);
    const group = await h.deps.db
      .select()
      .from(observations)
      .where(sql`${observations.id} in (${first}, ${newest})`);
    for (const o of group)
      expect(o).toMatchObject({ status: 'patterned', patternId: pattern?.id, triagedBy: USER });
    for (const o of group) expect(o.triagedAt).toBeInstanceOf(Date);

    const [revision] = await h.deps.db
      .select()
      .from(patternRevisions)
      .where(eq(patternRevisions.patternId, pattern?.id as number));
    await h.api.waitFor(() => h.scheduler.backfills.find((b) => b.patternRevisionId === revision?.id));
    // The person's App Home is published again without the complaint they handled.
    await h.api.waitFor(() => {
      const now = (h.api.homeView(USER)?.view.blocks ?? []) as Block[];
      return !triageButtons(now).some((l) => l.id === String(newest)) || undefined;
    });
    expect(dmTo(USER).join('\n')).toContain(`Saved pattern #${pattern?.id} in ${problem.key}`);
  });

  it('a second click on a triaged complaint answers only the clicker and changes nothing; a stale modal cannot save twice', async () => {
    const id = await complaint('Cancel my order', 'Order cancelled forever', { model: 'support-bot@v3' });
    await openHome(OTHER);
    await pressHome(OTHER, ACTION.triageAddPattern, String(id));
    const modal = await lastModal('triage_pattern');
    const values = {
      new_problem_title: text('Cancellation answers'),
      input: text('Cancel my order'),
      input_format: choice('text'),
      expect_kind: choice('not_contains'),
      expect_value: text('forever'),
      polarity: radio('positive'),
    };
    expect((await h.submitView(modal.id, OTHER, values)).text).toBe('');
    const [row] = await h.deps.db.select().from(observations).where(eq(observations.id, id));
    expect(row).toMatchObject({ status: 'patterned', triagedBy: OTHER });
    const count = async () => (await h.deps.db.select().from(patterns)).length;
    const before = await count();

    // The same modal submitted again (a double click on Save, or a second tab).
    const again = await h.submitView(modal.id, OTHER, {
      ...values,
      new_problem_title: text('Another title'),
    });
    expect(again.body).toMatchObject({
      response_action: 'errors',
      errors: { input: expect.stringContaining('already triaged') },
    });
    h.api.reset();
    await openHome(OTHER);
    await openHome(USER);
    await pressHome(OTHER, ACTION.triageAddPattern, String(id));
    await pressHome(USER, ACTION.triageDismiss, String(id));
    expect(h.api.callsTo('views.open')).toHaveLength(0);
    const told = await h.api.waitFor(() => (dmTo(USER).length > 0 ? dmTo(USER) : undefined));
    expect(told[0]).toContain(`Observation #${id} is already triaged: <@${OTHER}> turned it into pattern #`);
    expect(dmTo(OTHER)[0]).toContain('already triaged');

    expect(await count()).toBe(before);
  });

  it('Dismiss asks why, keeps the reason, who and when, and takes the identical complaints off the queue', async () => {
    const a = await complaint('asdfgh', 'I do not understand');
    const b = await complaint('asdfgh', 'Sorry?');
    await openHome(USER);
    await pressHome(USER, ACTION.triageDismiss, String(b));
    const modal = await lastModal('triage_dismiss_modal');
    expect(JSON.stringify(modal.view.blocks)).toContain('and 1 identical');

    const other = await h.submitView(modal.id, USER, {
      dismiss_reason: choice('other'),
      dismiss_note: text(''),
    });
    expect(other.body).toMatchObject({
      response_action: 'errors',
      errors: { dismiss_note: 'Say why, in the note.' },
    });

    const ok = await h.submitView(modal.id, USER, {
      dismiss_reason: choice('spam'),
      dismiss_note: text('keyboard mash'),
    });
    expect(ok.text).toBe('');
    const rows = await h.deps.db.select().from(observations).where(sql`${observations.id} in (${a}, ${b})`);
    for (const r of rows)
      expect(r).toMatchObject({
        status: 'dismissed',
        dismissReason: 'Spam or a test: keyboard mash',
        triagedBy: USER,
        patternId: null,
      });
    const home = await openHome(USER);
    expect(triageButtons(home).map((l) => l.id)).not.toContain(String(b));
  });

  it('a graded expectation naming an unregistered grader is refused on the expectation field, as in the add form', async () => {
    const problem = await createProblem(h.deps, { title: 'Rude refund replies' });
    const id = await complaint('Can I get a refund?', 'No. Go away.');
    await pressHome(USER, ACTION.triageAddPattern, String(id));
    const modal = await lastModal('triage_pattern');
    const res = await h.submitView(modal.id, USER, {
      problem: { value: { type: 'external_select', selected_option: { value: problem.key } } },
      new_problem_title: text(''),
      input: text('Can I get a refund?'),
      input_format: choice('text'),
      expect_kind: choice('judge'),
      expect_value: text('toxicity@1 non_toxic'),
      polarity: radio('positive'),
      notes: text(''),
    });
    expect(res.body).toEqual({
      response_action: 'errors',
      errors: { expect_value: 'no model toxicity@1; register it first.' },
    });
    const saved = await h.deps.db.select().from(patterns).where(eq(patterns.problemId, problem.id));
    expect(saved).toHaveLength(0);
  });

  it('/problem triage offers the same actions in an ephemeral reply', async () => {
    const id = await complaint('Is the shop open on Sunday?', 'The shop is a state of mind.');
    await h.command(USER, '/problem', 'triage');
    const reply = await h.api.waitFor(() => h.api.responses[0]);
    const body = reply.body as { response_type: string; blocks: Block[] };
    expect(body.response_type).toBe('ephemeral');
    expect(triageButtons(body.blocks)[0]).toEqual({
      id: String(id),
      actions: [ACTION.triageAddPattern, ACTION.triageDismiss],
    });
  });

  it('10 000 untriaged complaints: App Home and /problem triage stay inside Slack’s block and text limits and say how many there are', async () => {
    const long = 'x'.repeat(5_000);
    // Straight into the table: the point is the listing, not the intake.
    await h.deps.db.execute(sql`
      insert into observations (input, output, input_hash, at, downs)
      select to_jsonb(${long}::text || i::text), to_jsonb(${long}::text), md5(i::text),
             now() - (i || ' seconds')::interval, 1
      from generate_series(1, 10000) as i`);
    const [{ n } = { n: 0 }] = (await h.deps.db
      .select({ n: sql<number>`count(distinct coalesce(input_hash, id::text))::int` })
      .from(observations)
      .where(sql`status = 'untriaged' and downs > 0`)) as { n: number }[];
    expect(n).toBeGreaterThanOrEqual(10_000);

    const home = await openHome(USER);
    expect(home.length).toBeLessThanOrEqual(LIMITS.viewBlocks);
    expect(triageButtons(home)).toHaveLength(5);
    expect(JSON.stringify(home)).toContain(`5 newest of ${n} inputs`);
    for (const b of home) expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(LIMITS.sectionText);

    h.api.reset();
    await h.command(USER, '/problem', 'triage');
    const reply = await h.api.waitFor(() => h.api.responses[0]);
    const blocks = (reply.body as { blocks: Block[] }).blocks;
    expect(blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
    expect(triageButtons(blocks)).toHaveLength(10);
    for (const b of blocks) expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(LIMITS.sectionText);
  });
});
