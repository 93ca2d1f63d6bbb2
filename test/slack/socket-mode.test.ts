import { randomBytes } from 'node:crypto';
import { SocketModeReceiver } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Canary } from '../../src/app.ts';
import { getProblem } from '../../src/services/problems.ts';
import { startTestCanary, type TestCanary } from '../support/canary.ts';
import { APP_ID, BOT_USER_ID, type SlackApi, TEAM_ID } from '../support/slack-api/index.ts';
import { newTriggerId } from '../support/slack-requests.ts';

const CHANNEL = 'C1';
const USER = 'U1';
const FLAG = 'triangular_flag_on_post';

/** Socket Mode end to end: the real app, the real @slack/socket-mode client, the double's WebSocket. */
describe('Canary in Socket Mode', () => {
  let running: TestCanary;
  let slackApi: SlackApi;
  let canary: Canary;

  beforeAll(async () => {
    running = await startTestCanary({
      env: (api) => ({ CANARY_WORKERS: '0', SLACK_APP_TOKEN: api.appToken }),
      setUpSlack: (api) => {
        api.addUser({ id: USER, name: 'ada' });
        api.addChannel({ id: CHANNEL, name: 'ml-models', members: [USER] });
      },
    });
    ({ canary, slackApi } = running);
  });

  afterAll(async () => {
    await running?.close();
  });

  it('opens the connection with the app-level token through SLACK_API_URL', () => {
    expect(canary.slack?.mode).toBe('socket');
    expect(slackApi.callsTo('apps.connections.open')).toHaveLength(1);
    expect(slackApi.socket.connected()).toBe(true);
  });

  it('acks a /problem slash command envelope, creates the problem and posts its card', async () => {
    const ack = await slackApi.socket.sendEnvelope({
      type: 'slash_commands',
      payload: {
        token: 'verification-token-unused',
        team_id: TEAM_ID,
        team_domain: 'example',
        channel_id: CHANNEL,
        channel_name: 'ml-models',
        user_id: USER,
        user_name: 'ada',
        command: '/problem',
        text: 'new Socket problem',
        api_app_id: APP_ID,
        is_enterprise_install: 'false',
        response_url: slackApi.responseUrl(),
        trigger_id: newTriggerId(),
      },
    });
    expect(ack.envelope_id).toMatch(/^[0-9a-f]{32}$/);

    const card = await slackApi.waitFor(() =>
      slackApi.messages(CHANNEL).find((m) => m.text.includes('Socket problem')),
    );
    const key = /P-\d+/.exec(card.text)?.[0];
    expect(key).toBeDefined();
    const post = slackApi.callsTo('chat.postMessage').find((c) => c.args.channel === CHANNEL);
    expect(post?.outcome).toBe('ok');
    const problem = await slackApi.waitFor(async () => {
      const p = await getProblem(canary.deps, key as string);
      return p.homeTs ? p : undefined;
    });
    expect(problem).toMatchObject({ title: 'Socket problem', homeChannel: CHANNEL, homeTs: card.ts });
  });

  it('acks a reaction_added events_api envelope and runs its listener', async () => {
    const output = slackApi.addMessage(CHANNEL, { user: 'U0PRODBOT', text: 'Review: "meh" → positive' });
    const eventTime = Math.floor(Date.now() / 1000);
    const ack = await slackApi.socket.sendEnvelope({
      type: 'events_api',
      payload: {
        token: 'verification-token-unused',
        team_id: TEAM_ID,
        api_app_id: APP_ID,
        event: {
          type: 'reaction_added',
          user: USER,
          reaction: FLAG,
          item: { type: 'message', channel: CHANNEL, ts: output.ts },
          item_user: 'U0PRODBOT',
          event_ts: `${eventTime}.000100`,
        },
        type: 'event_callback',
        event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
        event_time: eventTime,
        authorizations: [{ enterprise_id: null, team_id: TEAM_ID, user_id: BOT_USER_ID, is_bot: true }],
      },
    });
    expect(ack).toEqual({ envelope_id: expect.any(String), payload: {} });

    // The flag listener reads the message and prompts in its thread: the envelope reached Canary's listener.
    const prompt = await slackApi.waitFor(() =>
      slackApi.thread(CHANNEL, output.ts).find((m) => m.ts !== output.ts),
    );
    expect(prompt.thread_ts).toBe(output.ts);
  });

  it('does not serve /slack/events over HTTP', async () => {
    const res = await fetch(`${canary.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'url_verification', challenge: 'x' }),
    });
    expect(res.status).toBe(404);
    await res.body?.cancel();
  });

  it('reconnects with a fresh ticket when Slack asks for a refresh', async () => {
    slackApi.socket.disconnect('refresh_requested');
    await slackApi.waitFor(() => slackApi.callsTo('apps.connections.open').length === 2, 15_000);
    await slackApi.waitFor(() => slackApi.socket.connected(), 15_000);
    const ack = await slackApi.socket.sendEnvelope({
      type: 'slash_commands',
      payload: {
        team_id: TEAM_ID,
        channel_id: CHANNEL,
        user_id: USER,
        command: '/problem',
        text: 'help',
        api_app_id: APP_ID,
        response_url: slackApi.responseUrl(),
        trigger_id: newTriggerId(),
      },
    });
    expect(ack.envelope_id).toBeTruthy();
  });

  it('closes the WebSocket when Canary closes', async () => {
    const receiver = canary.slack?.receiver;
    if (!(receiver instanceof SocketModeReceiver)) throw new Error('expected a SocketModeReceiver');
    const { client } = receiver;
    let disconnected = false;
    client.once('disconnected', () => {
      disconnected = true;
    });
    await canary.close();
    // The client has finished its close handshake by the time close() returns, not some time later.
    expect(disconnected).toBe(true);
    expect(client.websocket?.isActive() ?? false).toBe(false);
    await slackApi.waitFor(() => slackApi.socket.connections === 0, 2000);
    expect(slackApi.socket.connected()).toBe(false);
  });
});
