// The Web API client alone: workers that only post never load Bolt (and its Express) for it.
import {
  ErrorCode,
  LogLevel,
  type Logger as SlackLogger,
  WebClient,
  type WebClientOptions,
} from '@slack/web-api';
import type { Config } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import { slackErrorLabel } from '../errors.ts';

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

/** Told of every Web API call that finally failed (after the client's own retries): method and Slack's error code. */
export type SlackApiErrorHook = (method: string, error: string) => void;

/**
 * A bot-token client for the paced poster (notification workers, the CLI). It hands 429s back instead of waiting
 * them out: the poster closes only that channel's lane, where the client's own wait would pause every channel
 * and hold a worker slot.
 */
export function createSlackClient(
  config: Pick<Config, 'slack'>,
  log: Logger,
  opts: { onApiError?: SlackApiErrorHook } = {},
): WebClient {
  const options = { ...slackClientOptions(config, log), rejectRateLimitedCalls: true };
  const { onApiError } = opts;
  if (!onApiError) return new WebClient(config.slack.botToken, options);
  // Every method (chat.postMessage, files.uploadV2's inner calls, …) goes through apiCall, so one override sees them all.
  class ObservedWebClient extends WebClient {
    override async apiCall(method: string, callOptions?: Record<string, unknown>) {
      try {
        return await super.apiCall(method, callOptions);
      } catch (err) {
        // A 429 is not a failed call yet: the poster tries it again when the channel reopens.
        if ((err as { code?: unknown }).code !== ErrorCode.RateLimitedError)
          onApiError?.(method, slackErrorLabel(err));
        throw err;
      }
    }
  }
  return new ObservedWebClient(config.slack.botToken, options);
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
