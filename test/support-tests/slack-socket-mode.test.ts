import { request } from 'node:http';
import { SocketModeClient } from '@slack/socket-mode';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackApi, startSlackApi } from '../support/slack-api/index.ts';

let api: SlackApi;
const retryConfig = { retries: 0 };

beforeAll(async () => {
  api = await startSlackApi();
});
afterAll(async () => {
  await api.close();
});

async function slackError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { data?: { error?: string } }).data?.error ?? String(e);
  }
  throw new Error('expected the call to fail');
}

function appClient(token: string | undefined): WebClient {
  return new WebClient(undefined, {
    slackApiUrl: api.url,
    retryConfig,
    ...(token ? { headers: { Authorization: `Bearer ${token}` } } : {}),
  });
}

describe('slack api double, Socket Mode side', () => {
  it('opens connections only for the app-level token', async () => {
    expect(await slackError(appClient(undefined).apps.connections.open({}))).toBe('not_authed');
    expect(await slackError(appClient(api.botToken).apps.connections.open({}))).toBe(
      'not_allowed_token_type',
    );
    expect(await slackError(appClient('xapp-wrong').apps.connections.open({}))).toBe('invalid_auth');
    const opened = await appClient(api.appToken).apps.connections.open({});
    expect(opened.url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${api.port}/link/\\?ticket=[0-9a-f]+$`));
  });

  it('refuses a WebSocket upgrade without a valid ticket', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`http://127.0.0.1:${api.port}/link/?ticket=nope`, {
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('upgrade', (_res, socket) => {
        socket.destroy();
        resolve(101);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(401);
    expect(api.socket.connected()).toBe(false);
    await expect(api.socket.sendEnvelope({ type: 'events_api', payload: {} })).rejects.toThrow(
      /No Socket Mode client/,
    );
  });

  it('greets the real SocketModeClient, relays envelopes and returns its acks', async () => {
    const client = new SocketModeClient({
      appToken: api.appToken,
      autoReconnectEnabled: false,
      clientOptions: { slackApiUrl: api.url, retryConfig },
    });
    const seen: unknown[] = [];
    client.on('slash_commands', async ({ ack, body }) => {
      seen.push(body);
      await ack({ text: 'got it' });
    });
    client.on('reaction_added', async ({ ack, event, retry_num }) => {
      seen.push({ event, retry_num });
      await ack();
    });
    const hello = await client.start();
    expect(hello).toMatchObject({ ok: true });
    expect(api.socket.connected()).toBe(true);

    const commandAck = await api.socket.sendEnvelope({
      type: 'slash_commands',
      payload: { command: '/problem', text: 'list' },
    });
    expect(commandAck.payload).toEqual({ text: 'got it' });

    const eventAck = await api.socket.sendEnvelope({
      type: 'events_api',
      payload: { type: 'event_callback', event: { type: 'reaction_added', reaction: 'x' } },
      retry_attempt: 1,
    });
    expect(eventAck).toEqual({ envelope_id: expect.any(String), payload: {} });
    expect(seen).toEqual([
      { command: '/problem', text: 'list' },
      { event: { type: 'reaction_added', reaction: 'x' }, retry_num: 1 },
    ]);
    expect(api.socket.acks.map((a) => a.envelope_id)).toEqual([commandAck.envelope_id, eventAck.envelope_id]);

    await expect(
      api.socket.sendEnvelope(
        { type: 'interactive', payload: { type: 'block_actions' } },
        { timeoutMs: 200 },
      ),
    ).rejects.toThrow(/No ack for interactive envelope/);

    await client.disconnect();
    await api.waitFor(() => api.socket.connections === 0, 2000);
  });
});
