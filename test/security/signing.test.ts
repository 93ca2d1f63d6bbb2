import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { slackEvents } from '../../src/db/schema.ts';
import { VIEW } from '../../src/slack/blocks/ids.ts';
import { APP_ID, TEAM_ID } from '../support/slack-api/index.ts';
import {
  FORM,
  newTriggerId,
  type SignOptions,
  sendEvent,
  sendSigned,
  signature,
} from '../support/slack-requests.ts';
import { CHANNEL, type Stack, startStack, USER } from './stack.ts';

/**
 * test/slack/app.test.ts covers commands under every bad signature and a forged event; this file covers the
 * rest: interactions and events, unsigned, stale (a replay), tampered, and the signature of another request.
 */
let s: Stack;

beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => {
  await s?.close();
});
beforeEach(() => {
  s.slackApi.reset();
});

const BAD: [string, SignOptions][] = [
  ['a forged signature', { forgeSignature: true }],
  ['no signature', { omitSignature: true }],
  ['no timestamp', { omitTimestamp: true }],
  ['a replay: a correct signature over a timestamp 10 minutes old', { staleTimestamp: true }],
  // Bolt only refuses old timestamps; one stamped ahead could be held and sent later (request-guard.ts).
  [
    'a correct signature over a timestamp 10 minutes in the future',
    { timestamp: Math.floor(Date.now() / 1000) + 600 },
  ],
];

/** A new-problem modal submission: accepted, it would create a problem and post its card. */
function newProblemSubmission(title: string): Record<string, unknown> {
  return {
    type: 'view_submission',
    team: { id: TEAM_ID, domain: 'canary' },
    user: { id: USER, username: 'mallory', name: 'mallory', team_id: TEAM_ID },
    api_app_id: APP_ID,
    token: 'verification-token-unused',
    trigger_id: newTriggerId(),
    view: {
      id: 'V0FORGED',
      team_id: TEAM_ID,
      type: 'modal',
      callback_id: VIEW.newProblem,
      private_metadata: JSON.stringify({ channel: CHANNEL }),
      state: { values: { title: { value: { type: 'plain_text_input', value: title } } } },
      hash: 'h',
      app_id: APP_ID,
      bot_id: 'B0CANARY',
    },
  };
}

function flagReaction(ts: string) {
  return {
    type: 'reaction_added',
    user: USER,
    reaction: 'triangular_flag_on_post',
    item: { type: 'message', channel: CHANNEL, ts },
    item_user: 'U0PRODBOT',
  };
}

async function expectNoSideEffect(before: Record<string, number>, handled: number): Promise<void> {
  expect(await s.counts()).toEqual(before);
  expect(await s.db.db.select().from(slackEvents)).toHaveLength(0);
  expect(s.slackApi.calls).toHaveLength(0);
  expect(s.slackApi.responses).toHaveLength(0);
  expect(s.handled()).toBe(handled);
}

describe('Slack request signing', () => {
  it.each(BAD)('an interaction with %s is refused with 401 and does nothing', async (_, opts) => {
    const before = await s.counts();
    const handled = s.handled();
    const res = await s.interaction(newProblemSubmission('Forged via modal'), opts);
    expect(res.status).toBe(401);
    await expectNoSideEffect(before, handled);
  });

  it.each(BAD)('an event with %s is refused with 401 and does nothing', async (_, opts) => {
    const message = s.slackApi.addMessage(CHANNEL, { user: 'U0PRODBOT', text: 'flag me' });
    s.slackApi.reset();
    const before = await s.counts();
    const handled = s.handled();
    const res = await sendEvent(s.slackUrl, s.secret, flagReaction(message.ts), opts);
    expect(res.status).toBe(401);
    await expectNoSideEffect(before, handled);
  });

  it.each([
    ['command', FORM, `command=%2Fproblem&text=new+Tampered&user_id=${USER}&channel_id=${CHANNEL}`],
    [
      'interaction',
      FORM,
      new URLSearchParams({ payload: JSON.stringify(newProblemSubmission('Tampered')) }).toString(),
    ],
  ])('a %s whose body was changed after signing is refused', async (_, type, body) => {
    const before = await s.counts();
    const handled = s.handled();
    const timestamp = Math.floor(Date.now() / 1000);
    const signedOther = signature(s.secret, timestamp, `${body}&extra=1`);
    const res = await sendSigned(s.slackUrl, s.secret, body, type, {
      timestamp,
      omitSignature: true,
      headers: { 'x-slack-signature': signedOther },
    });
    expect(res.status).toBe(401);
    await expectNoSideEffect(before, handled);
  });

  it('a genuine signature for one timestamp does not cover another (signature replayed with a fresh timestamp)', async () => {
    const before = await s.counts();
    const handled = s.handled();
    const body = new URLSearchParams({
      payload: JSON.stringify(newProblemSubmission('Replayed')),
    }).toString();
    const old = Math.floor(Date.now() / 1000) - 600;
    const res = await sendSigned(s.slackUrl, s.secret, body, FORM, {
      omitSignature: true,
      headers: { 'x-slack-signature': signature(s.secret, old, body) },
    });
    expect(res.status).toBe(401);
    await expectNoSideEffect(before, handled);
  });

  it('the same request correctly signed is accepted (the refusals above are about the signature)', async () => {
    const before = await s.counts();
    const res = await s.interaction(newProblemSubmission('Genuine via modal'));
    expect(res.status).toBe(200);
    await s.slackApi.waitFor(async () => ((await s.counts()).problems ?? 0) > (before.problems ?? 0));
  });
});
