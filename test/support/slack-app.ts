import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from '../../src/config.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import { createSlackApp, SLACK_EVENTS_PATH, type SlackApp } from '../../src/slack/app.ts';
import { APP_ID, type SlackApi, TEAM_DOMAIN, TEAM_ID } from './slack-api/index.ts';
import {
  type EventOptions,
  newTriggerId,
  type SignOptions,
  sendCommand,
  sendEvent,
  sendInteraction,
} from './slack-requests.ts';

export interface SlackAppServerOptions {
  /** The Slack double the app calls and whose views and messages the helpers read. */
  api: SlackApi;
  deps: ServiceDeps;
  log: Logger;
  /** Where slash commands are typed. */
  channel: { id: string; name: string };
  signers: string[];
  admins: string[];
  ratePerSecond: number;
  flagEmoji: string;
  /** Rating emojis and rated bots; the defaults of src/slack/context.ts when absent. */
  observations?: Config['observations'];
  /** SLACK_TEAM_IDS / SLACK_APP_ID; unset: any, as in production. */
  teamIds?: string[];
  appId?: string;
}

/** Canary's Bolt app on its own HTTP server, driven by signed requests as Slack would send them. */
export interface SlackAppServer {
  slack: SlackApp;
  /** The events URL Slack would be configured with. */
  url: string;
  secret: string;
  /** Requests whose listeners have all finished (duplicates dropped before the listeners are not counted). */
  handled(): number;
  /**
   * Requests that reached the listeners' middleware. Bolt answers only when a listener acks, so once a
   * response is back this already counts its request if it was going to run at all.
   */
  received(): number;
  command(user: string, command: string, text: string, opts?: SignOptions): ReturnType<typeof sendCommand>;
  interaction(payload: Record<string, unknown>, opts?: SignOptions): ReturnType<typeof sendInteraction>;
  event(event: Record<string, unknown>, opts?: EventOptions): ReturnType<typeof sendEvent>;
  /** Submits a modal the app opened, with the given input values. */
  submitView(
    viewId: string,
    user: string,
    values: Record<string, Record<string, unknown>>,
  ): ReturnType<typeof sendInteraction>;
  /** Presses a button in a channel message posted by the app. */
  pressButton(input: {
    user: string;
    channel: string;
    messageTs: string;
    actionId: string;
    value: string;
    state?: Record<string, Record<string, unknown>>;
  }): ReturnType<typeof sendInteraction>;
  /** Stops the HTTP server and the app; the double and the database belong to the caller. */
  close(): Promise<void>;
}

export async function serveSlackApp(opts: SlackAppServerOptions): Promise<SlackAppServer> {
  const { api, deps, log, channel } = opts;
  const secret = `secret-${randomBytes(8).toString('hex')}`;
  const config: Pick<Config, 'slack'> & Partial<Pick<Config, 'observations'>> = {
    ...(opts.observations ? { observations: opts.observations } : {}),
    slack: {
      botToken: api.botToken,
      signingSecret: secret,
      appToken: undefined,
      apiUrl: api.url,
      teamIds: opts.teamIds ?? [],
      appId: opts.appId,
      flagEmoji: opts.flagEmoji,
      signers: opts.signers,
      admins: opts.admins,
      modelsChannel: undefined,
      ratePerSecond: opts.ratePerSecond,
    },
  };
  const slack = createSlackApp({ config, deps, log });
  // Bolt's global middleware resumes after the listeners finish, so this counts requests fully handled.
  let handled = 0;
  let received = 0;
  slack.app.use(async ({ next }) => {
    received += 1;
    try {
      await next();
    } finally {
      handled += 1;
    }
  });
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === SLACK_EVENTS_PATH) return slack.requestListener(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${SLACK_EVENTS_PATH}`;

  const user = (id: string) => ({ id, username: id.toLowerCase(), name: id.toLowerCase(), team_id: TEAM_ID });
  const team = { id: TEAM_ID, domain: TEAM_DOMAIN };

  return {
    slack,
    url,
    secret,
    handled: () => handled,
    received: () => received,
    command: (userId, command, text, signOpts) =>
      sendCommand(
        url,
        secret,
        {
          command,
          text,
          user_id: userId,
          channel_id: channel.id,
          response_url: api.responseUrl(),
          trigger_id: api.triggerId(userId),
        },
        signOpts,
      ),
    interaction: (payload, signOpts) => sendInteraction(url, secret, payload, signOpts),
    event: (event, eventOpts) => sendEvent(url, secret, event, eventOpts),
    submitView(viewId, userId, values) {
      const stored = api.views.find((v) => v.id === viewId);
      if (!stored) throw new Error(`no view ${viewId}`);
      return sendInteraction(url, secret, {
        type: 'view_submission',
        team,
        user: user(userId),
        api_app_id: APP_ID,
        token: 'verification-token-unused',
        trigger_id: newTriggerId(),
        is_enterprise_install: false,
        enterprise: null,
        response_urls: [],
        view: {
          ...stored.view,
          id: stored.id,
          team_id: TEAM_ID,
          state: { values },
          hash: 'h',
          root_view_id: stored.rootViewId,
          previous_view_id: null,
          app_id: APP_ID,
          bot_id: 'B0CANARY',
        },
      });
    },
    pressButton(input) {
      const message = api.allMessages(input.channel).find((m) => m.ts === input.messageTs);
      return sendInteraction(url, secret, {
        type: 'block_actions',
        team,
        user: user(input.user),
        api_app_id: APP_ID,
        token: 'verification-token-unused',
        container: {
          type: 'message',
          message_ts: input.messageTs,
          channel_id: input.channel,
          is_ephemeral: false,
        },
        trigger_id: api.triggerId(input.user),
        channel: { id: input.channel, name: channel.name },
        message,
        state: { values: input.state ?? {} },
        response_url: api.responseUrl(),
        actions: [
          {
            action_id: input.actionId,
            block_id: 'b',
            value: input.value,
            type: 'button',
            action_ts: `${Date.now() / 1000}`,
          },
        ],
      });
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await slack.stop();
    },
  };
}
