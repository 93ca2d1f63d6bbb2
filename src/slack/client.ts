import { LogLevel, webApi } from '@slack/bolt';
import type { Logger as SlackLogger, WebClient, WebClientOptions } from '@slack/web-api';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';

/**
 * Options every Slack Web API client in Canary shares (Bolt's own client, workers' clients): the API base
 * (a test double or a proxy when SLACK_API_URL is set) and WebClient's built-in 429 handling, which waits
 * the Retry-After Slack names and tries again rather than failing the call.
 */
export function slackClientOptions(config: Pick<Config, 'slack'>, log: Logger): WebClientOptions {
  return {
    ...(config.slack.apiUrl ? { slackApiUrl: ensureTrailingSlash(config.slack.apiUrl) } : {}),
    logger: toSlackLogger(log),
    rejectRateLimitedCalls: false,
    retryConfig: { retries: 5, factor: 2, minTimeout: 500, maxTimeout: 30_000, randomize: true },
    timeout: 15_000,
  };
}

/** A bot-token client for code outside Bolt's listeners (notification workers, the poster). */
export function createSlackClient(config: Pick<Config, 'slack'>, log: Logger): WebClient {
  return new webApi.WebClient(config.slack.botToken, slackClientOptions(config, log));
}

function ensureTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** Slack's SDKs want their own Logger shape; this routes their lines into our pino logger. */
export function toSlackLogger(log: Logger): SlackLogger {
  let child = log.child({ module: 'slack-sdk' });
  let level = LogLevel.INFO;
  const line =
    (lvl: 'debug' | 'info' | 'warn' | 'error') =>
    (...msg: unknown[]) => {
      const [first, ...rest] = msg;
      child[lvl]({ detail: rest.length > 0 ? rest.map(String) : undefined }, String(first ?? ''));
    };
  return {
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    setLevel(l: LogLevel) {
      level = l;
    },
    getLevel() {
      return level;
    },
    setName(name: string) {
      child = log.child({ module: name });
    },
  };
}
