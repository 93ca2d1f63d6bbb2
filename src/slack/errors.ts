import { ErrorCode } from '@slack/web-api';
import { CanaryError } from '../core/errors.ts';

const SLACK_ERROR_SENTENCES: Record<string, string> = {
  not_in_channel: 'Canary is not a member of this channel. Invite it with `/invite @Canary` and try again.',
  channel_not_found:
    'Canary cannot see this channel (it may be private or a DM Canary is not part of). Invite it with `/invite @Canary` and try again.',
  missing_scope:
    'The Canary Slack app is missing a permission (scope) it needs for this. Ask a workspace admin to reinstall the app from its manifest.',
  is_archived: 'This channel is archived, so Canary cannot post in it.',
  message_not_found: 'That message no longer exists (it may have been deleted).',
  thread_not_found: 'That thread no longer exists (its first message may have been deleted).',
  restricted_action: 'A workspace setting stops Canary from posting here.',
  expired_trigger_id: 'Slack took too long to open the form. Please try again.',
  invalid_auth: 'Canary’s Slack token is not valid. Ask an admin to check SLACK_BOT_TOKEN.',
  not_authed: 'Canary’s Slack token is not valid. Ask an admin to check SLACK_BOT_TOKEN.',
  ratelimited: 'Slack is rate-limiting Canary right now. Please try again in a minute.',
};

/**
 * Slack's own error code when Slack refused the call: the platform's `error` (`not_in_channel`, …) or
 * `ratelimited`. undefined for anything else (a network failure, a bug), which is not Slack's answer.
 */
export function slackErrorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; data?: { error?: unknown } } | null;
  if (e?.code === ErrorCode.PlatformError && typeof e.data?.error === 'string') return e.data.error;
  if (e?.code === ErrorCode.RateLimitedError) return 'ratelimited';
  return undefined;
}

/**
 * A label for any failed Web API call: Slack's code when it answered, otherwise the SDK's error kind, so a
 * metric label stays a small fixed set rather than free text.
 */
export function slackErrorLabel(error: unknown): string {
  const code = slackErrorCode(error);
  if (code !== undefined) return code;
  const e = error as { code?: unknown; statusCode?: unknown } | null;
  if (e?.code === ErrorCode.HTTPError && typeof e.statusCode === 'number') return `http_${e.statusCode}`;
  if (e?.code === ErrorCode.RequestError) return 'request_error';
  return 'unknown';
}

/**
 * One sentence for the person who asked, never a stack trace: service refusals say what was wrong,
 * Slack refusals say what to do, anything else says it is on our side.
 */
export function userMessageFor(error: unknown): string {
  if (error instanceof CanaryError) return error.message;
  const code = slackErrorCode(error);
  if (code !== undefined) return SLACK_ERROR_SENTENCES[code] ?? `Slack refused the request (${code}).`;
  return 'Something went wrong on Canary’s side; it has been logged. Please try again.';
}

export function isExpectedError(error: unknown): boolean {
  return error instanceof CanaryError || slackErrorCode(error) !== undefined;
}
