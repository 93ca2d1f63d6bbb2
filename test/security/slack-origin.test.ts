import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { slackEvents } from '../../src/db/schema.ts';
import { VIEW } from '../../src/slack/blocks/ids.ts';
import { APP_ID, TEAM_ID } from '../support/slack-api/index.ts';
import {
  type CommandInput,
  newTriggerId,
  sendCommand,
  sendEvent,
  sendUrlVerification,
} from '../support/slack-requests.ts';
import { CHANNEL, type Stack, startStack, USER } from './stack.ts';

/**
 * SLACK_TEAM_IDS / SLACK_APP_ID set: a correctly signed request for another workspace, org or app is
 * refused (403) before any listener runs. Each payload shape names the team and app in its own place.
 */
const ORG = 'E0CANARY';
const OTHER_TEAM = 'T0OTHER';
const OTHER_APP = 'A0OTHER';

let s: Stack;

beforeAll(async () => {
  s = await startStack({ teamIds: [TEAM_ID, ORG], appId: APP_ID });
});
afterAll(async () => {
  await s?.close();
});
beforeEach(() => {
  s.slackApi.reset();
});

function command(text: string, ids: Partial<CommandInput> = {}) {
  return sendCommand(
    s.slackUrl,
    s.secret,
    {
      command: '/problem',
      text,
      user_id: USER,
      channel_id: CHANNEL,
      response_url: s.slackApi.responseUrl(),
      ...ids,
    },
    {},
  );
}

function interaction(type: string, team: string | null, app: string, extra: Record<string, unknown> = {}) {
  return s.interaction({
    type,
    team: team === null ? null : { id: team, domain: 'elsewhere' },
    user: { id: USER, username: 'mallory', name: 'mallory', team_id: team ?? TEAM_ID },
    api_app_id: app,
    token: 'verification-token-unused',
    trigger_id: newTriggerId(),
    ...extra,
  });
}

const newProblemView = (title: string) => ({
  view: {
    id: 'V0ELSEWHERE',
    team_id: OTHER_TEAM,
    type: 'modal',
    callback_id: VIEW.newProblem,
    private_metadata: JSON.stringify({ channel: CHANNEL }),
    state: { values: { title: { value: { type: 'plain_text_input', value: title } } } },
    hash: 'h',
    app_id: APP_ID,
    bot_id: 'B0CANARY',
  },
});

async function expectRefused(res: { status: number }, received: number, before: Record<string, number>) {
  expect(res.status).toBe(403);
  expect(s.received()).toBe(received);
  expect(await s.counts()).toEqual(before);
  expect(s.slackApi.calls).toHaveLength(0);
  expect(s.slackApi.responses).toHaveLength(0);
}

describe('requests for another team or app are refused with nothing run', () => {
  it.each([
    ['a slash command from another workspace', () => command('new From elsewhere', { team_id: OTHER_TEAM })],
    ['a slash command for another app', () => command('new Other app', { api_app_id: OTHER_APP })],
    [
      'a view submission from another workspace',
      () => interaction('view_submission', OTHER_TEAM, APP_ID, newProblemView('Modal from elsewhere')),
    ],
    [
      'a view submission for another app',
      () => interaction('view_submission', TEAM_ID, OTHER_APP, newProblemView('Other app modal')),
    ],
    [
      'a button press from another workspace',
      () =>
        interaction('block_actions', OTHER_TEAM, APP_ID, {
          container: { type: 'message', message_ts: '1.2', channel_id: CHANNEL },
          channel: { id: CHANNEL, name: 'ml-problems' },
          actions: [{ action_id: 'problem_add_pattern', block_id: 'b', value: 'P-1', type: 'button' }],
        }),
    ],
    [
      'an options request (type-ahead) from another workspace',
      () =>
        interaction('block_suggestion', OTHER_TEAM, APP_ID, {
          action_id: 'value',
          block_id: 'problem',
          value: 'neg',
          container: { type: 'view', view_id: 'V1' },
        }),
    ],
    [
      'a message shortcut for another app',
      () =>
        interaction('message_action', TEAM_ID, OTHER_APP, {
          callback_id: 'add_as_pattern',
          channel: { id: CHANNEL, name: 'ml-problems' },
          message: { type: 'message', ts: '1.2', text: 'hi', user: 'U0PROD' },
          message_ts: '1.2',
        }),
    ],
  ])('%s', async (_, send) => {
    const before = await s.counts();
    const received = s.received();
    await expectRefused(await send(), received, before);
    expect(s.logs()).toContain('Slack request refused: for another team or app');
  });

  it.each([
    ['another workspace', { teamId: OTHER_TEAM }],
    ['another app', { appId: OTHER_APP }],
  ])('an event for %s is refused and its id not recorded as seen', async (_, ids) => {
    const before = await s.counts();
    const received = s.received();
    const res = await sendEvent(
      s.slackUrl,
      s.secret,
      { type: 'app_home_opened', user: USER, channel: 'D0USER', tab: 'home' },
      { eventId: 'EvELSEWHERE', ...ids },
    );
    await expectRefused(res, received, before);
    expect(await s.db.db.select().from(slackEvents)).toHaveLength(0);
  });
});

describe('requests for this team and app still run', () => {
  it('a command from the listed workspace', async () => {
    const received = s.received();
    expect((await command('list')).status).toBe(200);
    await s.slackApi.waitFor(() => s.handled() >= received + 1);
    expect(s.slackApi.responses.length + s.slackApi.calls.length).toBeGreaterThan(0);
  });

  it('a command from another workspace of the listed Enterprise Grid org', async () => {
    const received = s.received();
    const res = await command('new From the sister workspace', { team_id: 'T0SISTER', enterprise_id: ORG });
    expect(res.status).toBe(200);
    await s.slackApi.waitFor(() => s.handled() >= received + 1);
    expect(s.slackApi.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('the url_verification handshake, which names no team', async () => {
    const res = await sendUrlVerification(s.slackUrl, s.secret, 'challenge-pinned');
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).toContain('challenge-pinned');
  });
});
