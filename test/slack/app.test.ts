import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { problems, signoffs, slackEvents } from '../../src/db/schema.ts';
import { addPattern } from '../../src/services/patterns.ts';
import { createProblem, getProblem } from '../../src/services/problems.ts';
import { ACTION } from '../../src/slack/blocks/ids.ts';
import { sendUrlVerification } from '../support/slack-requests.ts';
import {
  ADMIN,
  CHANNEL,
  type Harness,
  harnessPerFile,
  OTHER,
  SIGNER,
  seedResults,
  startHarness,
  USER,
} from './harness.ts';

const h = harnessPerFile();

describe('request verification', () => {
  it.each([
    ['forged signature', { forgeSignature: true }],
    ['no signature', { omitSignature: true }],
    ['no timestamp', { omitTimestamp: true }],
    ['a timestamp older than 5 minutes', { staleTimestamp: true }],
    ['a timestamp more than 5 minutes in the future', { timestamp: Math.floor(Date.now() / 1000) + 400 }],
  ])('a command with %s is refused with 401 and changes nothing', async (_, opts) => {
    const before = (await h.deps.db.select().from(problems)).length;
    const res = await h.command(USER, '/problem', 'new Forged problem', opts);
    expect(res.status).toBe(401);
    expect((await h.deps.db.select().from(problems)).length).toBe(before);
    expect(h.api.calls).toHaveLength(0);
  });

  it('a forged event is refused and not recorded as seen', async () => {
    const res = await h.event(
      { type: 'app_home_opened', user: USER, tab: 'home' },
      { eventId: 'EvFORGED', forgeSignature: true },
    );
    expect(res.status).toBe(401);
    expect(
      await h.deps.db.select().from(slackEvents).where(eq(slackEvents.eventId, 'EvFORGED')),
    ).toHaveLength(0);
  });

  it('answers the url_verification handshake', async () => {
    const res = await sendUrlVerification(h.url, h.secret, 'challenge-123');
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).toContain('challenge-123');
  });

  it('answers 404 for paths it does not serve', async () => {
    const res = await fetch(h.url.replace('/slack/events', '/slack/other'), { method: 'POST' });
    expect(res.status).toBe(404);
  });
});

describe('duplicate event deliveries', () => {
  it('a redelivered event (same event_id, x-slack-retry-num) is handled once', async () => {
    const before = h.handled();
    const event = { type: 'app_home_opened', user: OTHER, channel: 'D0OTHER', tab: 'home' };
    const first = await h.event(event, { eventId: 'EvDUPLICATE1' });
    expect(first.status).toBe(200);
    await h.api.waitFor(() => h.handled() >= before + 1);
    const retry = await h.event(event, { eventId: 'EvDUPLICATE1', retryNum: 1, retryReason: 'http_timeout' });
    expect(retry.status).toBe(200);
    // A later, distinct event is the marker that the retry has been through the pipeline too.
    await h.event(event, { eventId: 'EvDUPLICATE2' });
    await h.api.waitFor(() => h.api.callsTo('views.publish').length >= 2);
    await h.api.waitFor(() => h.handled() >= before + 2);
    expect(h.handled()).toBe(before + 2);
    expect(h.api.callsTo('views.publish')).toHaveLength(2);
  });
});

describe('App Home', () => {
  it('publishes problems × latest models, what awaits sign-off and recent flags', async () => {
    const problem = await createProblem(h.deps, { title: 'Home table <@U0EVIL>', threshold: 0.5 });
    const p = await addPattern(h.deps, {
      problem: problem.key,
      input: 'x',
      expectation: { label: 'a' },
      polarity: 'positive',
      source: 'contrived',
      notes: '',
    });
    await seedResults(h.deps, {
      name: 'home',
      version: 'v1',
      outcomes: [{ patternId: p.pattern.id, problemId: problem.id, passed: true }],
    });
    await h.event({ type: 'app_home_opened', user: USER, channel: 'D0ALICE', tab: 'home' });
    const home = await h.api.waitFor(() => h.api.homeView(USER));
    const shown = JSON.stringify(home.view.blocks);
    expect(home.view.type).toBe('home');
    expect(shown).toContain(problem.key);
    expect(shown).toContain('home@v1');
    expect(shown).toContain('100%');
    expect(shown).toContain('Awaiting sign-off');
    expect(shown).toContain('Recent flags');
    expect(shown).not.toContain('<@U0EVIL>');
    expect((home.view.blocks as unknown[]).length).toBeLessThanOrEqual(100);
  });
});

describe('sign-off', () => {
  async function cardFor(title: string) {
    await h.command(USER, '/problem', `new ${title}`);
    const card = await h.api.waitFor(() => h.api.messages(CHANNEL).find((m) => m.text.includes(title)));
    const key = /P-\d+/.exec(card.text)?.[0] as string;
    await h.api.waitFor(async () => (await getProblem(h.deps, key)).homeTs);
    return { key, card };
  }

  it('a signer signs off at the current pass rate, noted in the home thread', async () => {
    const { key, card } = await cardFor('Sign me off');
    const problem = await getProblem(h.deps, key);
    const p = await addPattern(h.deps, {
      problem: key,
      input: 'y',
      expectation: { label: 'b' },
      polarity: 'positive',
      source: 'contrived',
      notes: '',
    });
    await seedResults(h.deps, {
      name: 'signed',
      version: 'v1',
      outcomes: [{ patternId: p.pattern.id, problemId: problem.id, passed: true }],
    });

    await h.pressButton({
      user: USER,
      channel: CHANNEL,
      messageTs: card.ts,
      actionId: ACTION.problemSignOff,
      value: key,
    });
    expect(JSON.stringify((await h.api.waitFor(() => h.api.responses[0])).body)).toContain(
      'Only the configured signers',
    );
    expect(await h.deps.db.select().from(signoffs).where(eq(signoffs.problemId, problem.id))).toHaveLength(0);

    await h.pressButton({
      user: SIGNER,
      channel: CHANNEL,
      messageTs: card.ts,
      actionId: ACTION.problemSignOff,
      value: key,
    });
    const note = await h.api.waitFor(() =>
      h.api.thread(CHANNEL, card.ts).find((m) => m.text.includes('signed off')),
    );
    expect(note.text).toContain('100%');
    const [row] = await h.deps.db.select().from(signoffs).where(eq(signoffs.problemId, problem.id));
    expect(row).toMatchObject({ signedBy: SIGNER, passRate: 1 });
  });

  it('says so when nothing has been evaluated yet', async () => {
    const { key, card } = await cardFor('Nothing to sign');
    await h.pressButton({
      user: SIGNER,
      channel: CHANNEL,
      messageTs: card.ts,
      actionId: ACTION.problemSignOff,
      value: key,
    });
    expect(JSON.stringify((await h.api.waitFor(() => h.api.responses[0])).body)).toContain('no results');
  });

  it('with no signers configured, nobody may sign and the reply says why', async () => {
    const other = await startHarnessWithoutSigners();
    try {
      const problem = await createProblem(other.deps, { title: 'Unsignable' });
      const message = other.api.addMessage(CHANNEL, { user: ADMIN, text: 'card stand-in' });
      await other.pressButton({
        user: ADMIN,
        channel: CHANNEL,
        messageTs: message.ts,
        actionId: ACTION.problemSignOff,
        value: problem.key,
      });
      expect(JSON.stringify((await other.api.waitFor(() => other.api.responses[0])).body)).toContain(
        'no signers are configured',
      );
    } finally {
      await other.close();
    }
  });
});

async function startHarnessWithoutSigners(): Promise<Harness> {
  return startHarness({ signers: [] });
}

describe('card buttons', () => {
  it('Set threshold opens a modal for admins only; its submission updates the problem and the card', async () => {
    await h.command(USER, '/problem', 'new Threshold by button');
    const card = await h.api.waitFor(() =>
      h.api.messages(CHANNEL).find((m) => m.text.includes('Threshold by button')),
    );
    const key = /P-\d+/.exec(card.text)?.[0] as string;
    await h.api.waitFor(async () => (await getProblem(h.deps, key)).homeTs);

    await h.pressButton({
      user: USER,
      channel: CHANNEL,
      messageTs: card.ts,
      actionId: ACTION.problemSetThreshold,
      value: key,
    });
    expect(JSON.stringify((await h.api.waitFor(() => h.api.responses[0])).body)).toContain(
      'Only Canary admins',
    );
    expect(h.api.callsTo('views.open')).toHaveLength(0);

    await h.pressButton({
      user: ADMIN,
      channel: CHANNEL,
      messageTs: card.ts,
      actionId: ACTION.problemSetThreshold,
      value: key,
    });
    const view = await h.api.waitFor(() =>
      h.api.views.find((v) => v.view.callback_id === 'problem_threshold'),
    );
    const bad = await h.submitView(view.id, ADMIN, {
      threshold: { value: { type: 'plain_text_input', value: 'lots' } },
    });
    expect(bad.body).toMatchObject({
      response_action: 'errors',
      errors: { threshold: expect.stringContaining('not a threshold') },
    });
    const ok = await h.submitView(view.id, ADMIN, {
      threshold: { value: { type: 'plain_text_input', value: '90%' } },
    });
    expect(ok.status).toBe(200);
    expect((await getProblem(h.deps, key)).threshold).toBe(0.9);
    await h.api.waitFor(() => h.api.callsTo('chat.update').find((c) => c.args.ts === card.ts));
    const updated = h.api.messages(CHANNEL).find((m) => m.ts === card.ts);
    expect(JSON.stringify(updated?.blocks)).toContain('90%');
  });

  it('Add pattern opens the pattern modal for that problem', async () => {
    const problem = await createProblem(h.deps, { title: 'Button pattern' });
    const message = h.api.addMessage(CHANNEL, { user: ADMIN, text: 'card stand-in' });
    await h.pressButton({
      user: USER,
      channel: CHANNEL,
      messageTs: message.ts,
      actionId: ACTION.problemAddPattern,
      value: problem.key,
    });
    const view = await h.api.waitFor(() => h.api.views.find((v) => v.view.callback_id === 'pattern_add'));
    expect(JSON.parse(String(view.view.private_metadata))).toMatchObject({
      problemKey: problem.key,
      channel: CHANNEL,
    });
  });
});
