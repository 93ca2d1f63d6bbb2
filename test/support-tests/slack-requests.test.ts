import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BOT_USER_ID, type SlackApi, startSlackApi } from '../support/slack-api/index.ts';
import {
  messageShortcutPayload,
  sendCommand,
  sendEvent,
  sendInteraction,
  sendUrlVerification,
} from '../support/slack-requests.ts';

const SECRET = 'test-signing-secret';
let api: SlackApi;
let app: App;
let server: Server;
let url: string;
const seen: { kind: string; detail: unknown }[] = [];

beforeAll(async () => {
  api = await startSlackApi();
  api.addUser({ id: 'U1', name: 'ada' });
  api.addChannel({ id: 'C1', name: 'ml-problems', members: ['U1'] });
  const receiver = new HTTPReceiver({ signingSecret: SECRET, logLevel: LogLevel.ERROR });
  app = new App({
    token: 'xoxb-test',
    receiver,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: api.url, retryConfig: { retries: 0 } },
  });
  app.command('/problem', async ({ ack, command, respond }) => {
    await ack();
    seen.push({ kind: 'command', detail: command.text });
    await respond({ text: `got ${command.text}`, response_type: 'ephemeral' });
  });
  app.shortcut('add_as_pattern', async ({ ack, shortcut, client }) => {
    await ack();
    seen.push({ kind: 'shortcut', detail: shortcut.type });
    await client.views.open({
      trigger_id: shortcut.trigger_id,
      view: { type: 'modal', title: { type: 'plain_text', text: 'Add as pattern' }, blocks: [] },
    });
  });
  app.event('app_mention', async ({ event, context, say }) => {
    seen.push({ kind: 'mention', detail: { text: event.text, retryNum: context.retryNum } });
    await say({ text: 'hello', thread_ts: event.ts });
  });
  server = (await app.start(0)) as Server;
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
});
afterAll(async () => {
  await app.stop();
  await api.close();
});
beforeEach(() => {
  api.reset();
  seen.length = 0;
});

describe('signed requests drive the real Bolt HTTPReceiver', () => {
  it('delivers a slash command and Bolt responds through the response_url double', async () => {
    const res = await sendCommand(url, SECRET, {
      command: '/problem',
      text: 'new cats-as-dogs',
      user_id: 'U1',
      channel_id: 'C1',
      response_url: api.responseUrl('cmd'),
    });
    expect(res.status).toBe(200);
    const [response] = await api.waitFor(() => (api.responses.length > 0 ? api.responses : undefined));
    expect(response).toMatchObject({ id: 'cmd', body: { text: 'got new cats-as-dogs' } });
  });

  it.each([
    ['a forged signature', { forgeSignature: true }],
    ['no signature', { omitSignature: true }],
    ['a stale timestamp', { staleTimestamp: true }],
  ])('rejects %s with 401', async (_label, opts) => {
    const res = await sendCommand(
      url,
      SECRET,
      { command: '/problem', text: 'x', user_id: 'U1', channel_id: 'C1' },
      opts,
    );
    expect(res.status).toBe(401);
    expect(seen).toEqual([]);
  });

  it('answers url_verification with the challenge', async () => {
    const res = await sendUrlVerification(url, SECRET, 'abc123');
    expect(res).toMatchObject({ status: 200, body: { challenge: 'abc123' } });
  });

  it('delivers a message shortcut whose trigger opens a modal on the Web API double', async () => {
    const trigger = api.triggerId('U1');
    const res = await sendInteraction(
      url,
      SECRET,
      messageShortcutPayload({
        callbackId: 'add_as_pattern',
        userId: 'U1',
        channelId: 'C1',
        triggerId: trigger,
        message: { ts: '1700000000.000100', text: 'a cat', user: 'U1' },
      }),
    );
    expect(res.status).toBe(200);
    const view = await api.waitFor(() => api.views[0]);
    expect(view).toMatchObject({ kind: 'modal', user: 'U1' });
  });

  it('delivers events with the retry number Slack sets on redelivery', async () => {
    const parent = api.addMessage('C1', { text: `<@${BOT_USER_ID}> hi`, user: 'U1' });
    const event = { type: 'app_mention', user: 'U1', text: parent.text, ts: parent.ts, channel: 'C1' };
    expect((await sendEvent(url, SECRET, event, { eventId: 'Ev1' })).status).toBe(200);
    expect((await sendEvent(url, SECRET, event, { eventId: 'Ev1', retryNum: 1 })).status).toBe(200);
    await api.waitFor(() => api.thread('C1', parent.ts).length === 3);
    expect(seen.map((s) => s.detail)).toEqual([
      { text: parent.text, retryNum: undefined },
      { text: parent.text, retryNum: 1 },
    ]);
  });
});
