import { createHmac, randomBytes } from 'node:crypto';
import { APP_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID } from './slack-api/ids.ts';

/**
 * Sends requests to a Bolt HTTP endpoint the way Slack does: v0 HMAC-SHA256 over `v0:{timestamp}:{raw body}`
 * in x-slack-signature, the timestamp in x-slack-request-timestamp. Bolt's HTTPReceiver rejects (401) a missing
 * header, a timestamp older than five minutes, or a mismatched signature; and parses the body as a form only
 * when content-type is exactly application/x-www-form-urlencoded, which is what Slack sends.
 */

export interface SignOptions {
  /** Sign with this secret instead of the real one. */
  forgeSignature?: boolean;
  omitSignature?: boolean;
  omitTimestamp?: boolean;
  /** Timestamp 10 minutes old (Bolt allows 5). */
  staleTimestamp?: boolean;
  /** Seconds since epoch; defaults to now. */
  timestamp?: number;
  headers?: Record<string, string>;
}

export interface SlackHttpResponse {
  status: number;
  /** Parsed JSON when the answer was JSON, otherwise the text ('' for an empty ack). */
  body: unknown;
  text: string;
  headers: Record<string, string>;
}

export const FORM = 'application/x-www-form-urlencoded';

export function signature(secret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

export async function sendSigned(
  url: string,
  secret: string,
  rawBody: string,
  contentType: string,
  opts: SignOptions = {},
): Promise<SlackHttpResponse> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000) - (opts.staleTimestamp ? 600 : 0);
  const headers: Record<string, string> = {
    'content-type': contentType,
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
  };
  if (!opts.omitTimestamp) headers['x-slack-request-timestamp'] = String(timestamp);
  if (!opts.omitSignature) {
    headers['x-slack-signature'] = signature(
      opts.forgeSignature ? `forged-${secret}` : secret,
      timestamp,
      rawBody,
    );
  }
  const res = await fetch(url, { method: 'POST', headers: { ...headers, ...opts.headers }, body: rawBody });
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('application/json') && text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      // left as text: the caller asserts on what came back
    }
  }
  return { status: res.status, body, text, headers: Object.fromEntries(res.headers.entries()) };
}

export function newTriggerId(): string {
  return `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString('hex')}`;
}

export interface CommandInput {
  command: string;
  text: string;
  user_id: string;
  channel_id: string;
  trigger_id?: string;
  /** Omitted unless given, so a test never posts to a real hooks.slack.com URL; pass api.responseUrl(). */
  response_url?: string;
  user_name?: string;
  channel_name?: string;
  /** Who the command is for; the double's workspace and app unless given. */
  team_id?: string;
  api_app_id?: string;
  /** Set for a workspace of an Enterprise Grid org. */
  enterprise_id?: string;
}

/** A slash command, form-encoded with the fields Slack sends. */
export function sendCommand(url: string, secret: string, input: CommandInput, opts?: SignOptions) {
  return sendSigned(url, secret, commandBody(input), FORM, opts);
}

/** The raw body of a slash command, to sign and send (a replay sends one body twice). */
export function commandBody(input: CommandInput): string {
  const fields: Record<string, string> = {
    token: 'verification-token-unused',
    team_id: input.team_id ?? TEAM_ID,
    team_domain: TEAM_DOMAIN,
    channel_id: input.channel_id,
    channel_name: input.channel_name ?? 'ml-problems',
    user_id: input.user_id,
    user_name: input.user_name ?? input.user_id.toLowerCase(),
    command: input.command,
    text: input.text,
    api_app_id: input.api_app_id ?? APP_ID,
    is_enterprise_install: 'false',
    trigger_id: input.trigger_id ?? newTriggerId(),
  };
  if (input.enterprise_id) fields.enterprise_id = input.enterprise_id;
  if (input.response_url) fields.response_url = input.response_url;
  return new URLSearchParams(fields).toString();
}

/** The raw body of an interactivity payload, as `payload=<json>`. */
export function interactionBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** An interactivity payload (block_actions, message_action, view_submission, …) as `payload=<json>`. */
export function sendInteraction(
  url: string,
  secret: string,
  payload: Record<string, unknown>,
  opts?: SignOptions,
) {
  return sendSigned(url, secret, interactionBody(payload), FORM, opts);
}

export interface EventOptions extends SignOptions {
  eventId?: string;
  /** Slack's redelivery counter; sets x-slack-retry-num (and x-slack-retry-reason). */
  retryNum?: number;
  retryReason?: string;
  eventTime?: number;
  /** The installation's team (envelope and authorizations) and api_app_id; the double's unless given. */
  teamId?: string;
  appId?: string;
}

/** An Events API event_callback envelope, JSON, as Slack delivers it. */
export function sendEvent(
  url: string,
  secret: string,
  event: Record<string, unknown>,
  opts: EventOptions = {},
) {
  const eventTime = opts.eventTime ?? Math.floor(Date.now() / 1000);
  const envelope = {
    token: 'verification-token-unused',
    team_id: opts.teamId ?? TEAM_ID,
    context_team_id: opts.teamId ?? TEAM_ID,
    api_app_id: opts.appId ?? APP_ID,
    event: { event_ts: `${eventTime}.000100`, ...event },
    type: 'event_callback',
    event_id: opts.eventId ?? `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: eventTime,
    authorizations: [
      {
        enterprise_id: null,
        team_id: opts.teamId ?? TEAM_ID,
        user_id: BOT_USER_ID,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${randomBytes(8).toString('hex')}`,
  };
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(opts.retryNum);
    headers['x-slack-retry-reason'] = opts.retryReason ?? 'http_timeout';
  }
  return sendSigned(url, secret, JSON.stringify(envelope), 'application/json', { ...opts, headers });
}

/** The handshake Slack sends when an Events request URL is saved; Bolt echoes the challenge. */
export function sendUrlVerification(
  url: string,
  secret: string,
  challenge = randomBytes(12).toString('hex'),
  opts?: SignOptions,
) {
  const body = JSON.stringify({ token: 'verification-token-unused', challenge, type: 'url_verification' });
  return sendSigned(url, secret, body, 'application/json', opts);
}

/** A message shortcut payload ("Add as pattern"), with the message it was invoked on. */
export function messageShortcutPayload(input: {
  callbackId: string;
  userId: string;
  channelId: string;
  message: { ts: string; text: string; user?: string; thread_ts?: string };
  triggerId?: string;
  responseUrl?: string;
}): Record<string, unknown> {
  return {
    type: 'message_action',
    token: 'verification-token-unused',
    action_ts: `${Date.now() / 1000}`,
    team: { id: TEAM_ID, domain: TEAM_DOMAIN },
    user: {
      id: input.userId,
      username: input.userId.toLowerCase(),
      team_id: TEAM_ID,
      name: input.userId.toLowerCase(),
    },
    channel: { id: input.channelId, name: 'ml-problems' },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: input.callbackId,
    trigger_id: input.triggerId ?? newTriggerId(),
    response_url: input.responseUrl,
    message_ts: input.message.ts,
    message: { type: 'message', ...input.message },
    api_app_id: APP_ID,
  };
}
