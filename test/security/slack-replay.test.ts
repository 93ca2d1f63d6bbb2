import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { problems } from '../../src/db/schema.ts';
import { createProblem } from '../../src/services/problems.ts';
import { ACTION } from '../../src/slack/blocks/ids.ts';
import { APP_ID, TEAM_ID } from '../support/slack-api/index.ts';
import { commandBody, FORM, interactionBody, sendEvent, sendSigned } from '../support/slack-requests.ts';
import { ADMIN, CHANNEL, type Stack, startStack, USER } from './stack.ts';

/**
 * Bolt checks a signature and refuses timestamps more than five minutes old, but a signed request captured
 * in flight (a proxy log, a mirrored port) could be sent again within those five minutes, or one stamped
 * ahead of time could be held and sent later. These go through the real receiver with real signatures.
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

const nowSec = () => Math.floor(Date.now() / 1000);

function problemNew(title: string): string {
  return commandBody({
    command: '/problem',
    text: `new ${title}`,
    user_id: USER,
    channel_id: CHANNEL,
    response_url: s.slackApi.responseUrl(),
  });
}

async function problemsTitled(title: string): Promise<number> {
  return (await s.db.db.select().from(problems).where(eq(problems.title, title))).length;
}

describe('a signed request delivered twice within the signing window runs once', () => {
  it('a slash command: one problem, one card, and the replay is acknowledged with 200', async () => {
    const body = problemNew('Replayed command');
    const timestamp = nowSec();
    const received = s.received();
    const first = await sendSigned(s.slackUrl, s.secret, body, FORM, { timestamp });
    expect(first.status).toBe(200);
    const replay = await sendSigned(s.slackUrl, s.secret, body, FORM, { timestamp });
    expect(replay.status).toBe(200);
    // Bolt answers only once a listener acks, so a replay that ran would already be counted here.
    expect(s.received()).toBe(received + 1);
    await s.slackApi.waitFor(() => s.slackApi.callsTo('chat.postMessage').length >= 1);
    await s.slackApi.waitFor(() => s.handled() >= received + 1);
    expect(await problemsTitled('Replayed command')).toBe(1);
    expect(s.slackApi.callsTo('chat.postMessage')).toHaveLength(1);
    expect(s.logs()).toContain('Slack request replayed within the signing window ignored');
  });

  it('an interactive action: the button opens one modal', async () => {
    const problem = await createProblem(s.deps, { title: 'Replayed button' });
    const message = s.slackApi.addMessage(CHANNEL, { user: ADMIN, text: 'card stand-in' });
    const body = interactionBody({
      type: 'block_actions',
      team: { id: TEAM_ID, domain: 'example' },
      user: { id: USER, username: 'mallory', name: 'mallory', team_id: TEAM_ID },
      api_app_id: APP_ID,
      token: 'verification-token-unused',
      container: { type: 'message', message_ts: message.ts, channel_id: CHANNEL, is_ephemeral: false },
      trigger_id: s.slackApi.triggerId(USER),
      channel: { id: CHANNEL, name: 'ml-problems' },
      message,
      state: { values: {} },
      response_url: s.slackApi.responseUrl(),
      actions: [
        {
          action_id: ACTION.problemAddPattern,
          block_id: 'b',
          value: problem.key,
          type: 'button',
          action_ts: `${Date.now() / 1000}`,
        },
      ],
    });
    const timestamp = nowSec();
    const received = s.received();
    expect((await sendSigned(s.slackUrl, s.secret, body, FORM, { timestamp })).status).toBe(200);
    expect((await sendSigned(s.slackUrl, s.secret, body, FORM, { timestamp })).status).toBe(200);
    expect(s.received()).toBe(received + 1);
    await s.slackApi.waitFor(() => s.slackApi.callsTo('views.open').length >= 1);
    await s.slackApi.waitFor(() => s.handled() >= received + 1);
    expect(s.slackApi.callsTo('views.open')).toHaveLength(1);
  });

  it('the same body signed at another second is a new request (a double submit by a person still runs)', async () => {
    const body = problemNew('Signed twice');
    const received = s.received();
    expect((await sendSigned(s.slackUrl, s.secret, body, FORM, { timestamp: nowSec() - 2 })).status).toBe(
      200,
    );
    expect((await sendSigned(s.slackUrl, s.secret, body, FORM, { timestamp: nowSec() - 1 })).status).toBe(
      200,
    );
    expect(s.received()).toBe(received + 2);
  });

  it("Slack's own retry of an event (new signature, x-slack-retry-num) is still dropped by its event id", async () => {
    const event = { type: 'app_home_opened', user: USER, channel: 'D0USER', tab: 'home' };
    const received = s.received();
    const first = await sendEvent(s.slackUrl, s.secret, event, { eventId: 'EvRETRY1' });
    expect(first.status).toBe(200);
    await s.slackApi.waitFor(() => s.slackApi.callsTo('views.publish').length >= 1);
    const retry = await sendEvent(s.slackUrl, s.secret, event, {
      eventId: 'EvRETRY1',
      retryNum: 1,
      retryReason: 'http_timeout',
      timestamp: nowSec() + 1,
    });
    expect(retry.status).toBe(200);
    // The retry passed the replay check (its signature is new) and reached Bolt, where the id dropped it
    // (Bolt acks events before any middleware runs, hence the wait).
    await s.slackApi.waitFor(() => s.logs().includes('duplicate Slack event ignored'));
    await sendEvent(s.slackUrl, s.secret, event, { eventId: 'EvRETRY2' });
    await s.slackApi.waitFor(() => s.slackApi.callsTo('views.publish').length >= 2);
    await s.slackApi.waitFor(() => s.handled() >= received + 2);
    expect(s.received()).toBe(received + 2);
    expect(s.slackApi.callsTo('views.publish')).toHaveLength(2);
  });

  it('with the ledger unavailable the request is refused (503), not run unguarded', async () => {
    const received = s.received();
    await s.db.db.execute(sql`alter table slack_events rename to slack_events_away`);
    try {
      const res = await sendSigned(s.slackUrl, s.secret, problemNew('Ledger down'), FORM);
      expect(res.status).toBe(503);
    } finally {
      await s.db.db.execute(sql`alter table slack_events_away rename to slack_events`);
    }
    expect(s.received()).toBe(received);
    expect(await problemsTitled('Ledger down')).toBe(0);
    expect(s.errorLogs().map((l) => l.msg)).toContain('Slack request refused: replay check unavailable');
  });
});

describe('the signing window, both ways', () => {
  it.each([
    ['10 minutes in the future', 600, 401],
    ['6 minutes in the future', 360, 401],
    ['4 minutes in the future (clock skew Slack may have)', 240, 200],
    ['4 minutes old', -240, 200],
    ['6 minutes old', -360, 401],
  ])('a command stamped %s (%i s) is answered %i', async (label, offset, status) => {
    const title = `Window ${label}`;
    const received = s.received();
    const res = await sendSigned(s.slackUrl, s.secret, problemNew(title), FORM, {
      timestamp: nowSec() + offset,
    });
    expect(res.status).toBe(status);
    if (status === 200) {
      // Waiting for the whole run, so its card is not counted against the next case.
      await s.slackApi.waitFor(() => s.handled() >= received + 1);
      expect(await problemsTitled(title)).toBe(1);
      return;
    }
    expect(s.received()).toBe(received);
    expect(await problemsTitled(title)).toBe(0);
    expect(s.slackApi.calls).toHaveLength(0);
  });

  it('says why a future timestamp was refused', async () => {
    await sendSigned(s.slackUrl, s.secret, problemNew('Future, logged'), FORM, { timestamp: nowSec() + 900 });
    expect(s.logs()).toContain('Slack request refused: timestamp more than five minutes in the future');
  });
});

describe('what the guard leaves to Bolt is answered as before', () => {
  it('ssl_check, which Slack sends unsigned', async () => {
    const res = await fetch(s.slackUrl, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: 'ssl_check=1&token=verification-token-unused',
    });
    expect(res.status).toBe(200);
  });

  it('a signed body that is not JSON', async () => {
    const res = await sendSigned(s.slackUrl, s.secret, '{not json', 'application/json');
    expect(res.status).toBe(400);
  });

  it.each(['null', '5', '"text"', '[]'])(
    'a signed JSON body %s that is no payload, without a 5xx',
    async (body) => {
      const res = await sendSigned(s.slackUrl, s.secret, body, 'application/json');
      expect(res.status).toBeLessThan(500);
      expect(s.errorLogs().filter((l) => l.msg === 'Slack request failed before its listeners')).toEqual([]);
    },
  );

  it("a body over Bolt's 4 MB limit", async () => {
    const res = await sendSigned(s.slackUrl, s.secret, `text=${'x'.repeat(4 * 1024 * 1024)}`, FORM);
    expect(res.status).toBe(413);
  });
});
