import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { App, ErrorCode, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import type { Logger } from '../logger.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { type SlackConfig, type SlackContext, settingsFrom } from './context.ts';
import { registerActions } from './listeners/actions/index.ts';
import { registerCommands } from './listeners/commands/index.ts';
import { registerEvents } from './listeners/events/index.ts';
import { registerOptions } from './listeners/options/index.ts';
import { registerShortcuts } from './listeners/shortcuts/index.ts';
import { registerViews } from './listeners/views/index.ts';
import { deliveryLedger } from './requests/deliveries.ts';
import { foreignOrigin, originOf } from './requests/origin.ts';
import { createRequestGuard } from './requests/request-guard.ts';
import { slackClientOptions, toSlackLogger } from './web-api/client.ts';
import { createSlackPoster, type SlackPoster } from './web-api/post.ts';

export const SLACK_EVENTS_PATH = '/slack/events';

export interface SlackAppOptions {
  config: SlackConfig;
  deps: ServiceDeps & { poster?: SlackPoster };
  log: Logger;
}

export interface SlackApp {
  app: App;
  /** The HTTPReceiver in HTTP mode; the SocketModeReceiver when SLACK_APP_TOKEN is set. */
  receiver: HTTPReceiver | SocketModeReceiver;
  mode: 'http' | 'socket';
  /**
   * Mount in the shared node:http server for POST /slack/events (commands, interactivity and events all
   * arrive there). Anything else gets a 404. In Socket Mode it answers 404 to everything.
   */
  requestListener: RequestListener;
  poster: SlackPoster;
  /** Socket Mode only: opens the WebSocket. HTTP mode has nothing to start. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Builds the Bolt app with every Canary listener. HTTP mode acks as soon as a listener calls ack()
 * (processBeforeResponse: false), so slow work after ack never makes Slack time out or retry.
 */
export function createSlackApp({ config, deps, log }: SlackAppOptions): SlackApp {
  const { botToken, signingSecret, appToken } = config.slack;
  if (!botToken) throw new Error('createSlackApp needs SLACK_BOT_TOKEN.');
  const slackLog = log.child({ module: 'slack' });
  const logger = toSlackLogger(slackLog);
  const clientOptions = slackClientOptions(config, slackLog);

  const mode = appToken ? 'socket' : 'http';
  let receiver: HTTPReceiver | SocketModeReceiver;
  if (appToken) {
    receiver = new SocketModeReceiver({ appToken, logger, installerOptions: { clientOptions } });
  } else {
    if (!signingSecret) throw new Error('createSlackApp needs SLACK_SIGNING_SECRET in HTTP mode.');
    receiver = new HTTPReceiver({
      signingSecret,
      endpoints: [SLACK_EVENTS_PATH],
      processBeforeResponse: false,
      logger,
    });
  }

  const app = new App({
    token: botToken,
    receiver,
    logger,
    clientOptions,
    // auth.test on first request rather than in the constructor: start-up must not depend on Slack being up.
    tokenVerificationEnabled: false,
  });

  const poster = deps.poster ?? createSlackPoster(app.client, { ratePerSecond: config.slack.ratePerSecond });
  const ctx: SlackContext = { deps, settings: settingsFrom(config), poster, log: slackLog };

  const ledger = deliveryLedger(deps.db, deps.now, slackLog);
  const expected = { teamIds: config.slack.teamIds, appId: config.slack.appId };
  const guard =
    signingSecret && mode === 'http'
      ? createRequestGuard({ signingSecret, expected, ledger, log: slackLog })
      : null;

  if (mode === 'socket') {
    // Socket Mode has no signatures to replay, but an app installed in several workspaces still gets
    // their envelopes; HTTP mode refuses those (403) in the guard before Bolt sees them.
    app.use(async ({ body, next }) => {
      const origin = originOf(body);
      const foreign = foreignOrigin(origin, expected);
      if (foreign)
        return slackLog.warn(
          { ...origin, refused: foreign },
          'Slack request refused: for another team or app',
        );
      await next();
    });
  }

  app.use(async ({ body, next }) => {
    const envelope = body as { type?: string; event_id?: string };
    if (envelope.type === 'event_callback' && typeof envelope.event_id === 'string') {
      // Slack's own retries (x-slack-retry-num) are new signed requests: only the event id ties them.
      const first = await ledger.first(envelope.event_id);
      if (!first) {
        slackLog.info({ eventId: envelope.event_id }, 'duplicate Slack event ignored');
        return;
      }
    }
    await next();
  });

  registerCommands(app, ctx);
  registerShortcuts(app, ctx);
  registerEvents(app, ctx);
  registerActions(app, ctx);
  registerViews(app, ctx);
  registerOptions(app, ctx);

  app.error(async (error) => {
    slackLog.error({ err: error, code: error.code }, 'unhandled Slack listener error');
  });

  const dispatch = (req: IncomingMessage, res: ServerResponse, http: HTTPReceiver) => {
    try {
      http.requestListener(req, res);
    } catch (error) {
      // HTTPReceiver throws this for paths it does not serve, so the caller can route them elsewhere.
      if ((error as { code?: string }).code === ErrorCode.HTTPReceiverDeferredRequestError)
        return notFound(res);
      throw error;
    }
  };
  const requestListener: RequestListener = (req: IncomingMessage, res: ServerResponse) => {
    if (!(receiver instanceof HTTPReceiver)) return notFound(res);
    const http = receiver;
    if (!guard || req.method !== 'POST') return dispatch(req, res, http);
    guard(req, res, () => dispatch(req, res, http)).catch((err: unknown) => {
      slackLog.error({ err }, 'Slack request failed before its listeners');
      if (!res.headersSent) res.writeHead(500).end();
    });
  };

  return {
    app,
    receiver,
    mode,
    requestListener,
    poster,
    async start() {
      if (mode === 'socket') await app.start();
    },
    async stop() {
      // SocketModeReceiver.stop() returns before the close handshake; the client's disconnect() waits for it.
      if (receiver instanceof SocketModeReceiver) await receiver.client.disconnect();
    },
  };
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('Not Found');
}
