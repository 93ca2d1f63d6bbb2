import { isPlainObject } from './json.ts';
import { type ModelRef, parseModelRef } from './model.ts';
import type { PatternInput } from './pattern.ts';
import { canonicalJson, type FieldError, parsePatternInput } from './pattern.ts';
import { findNul } from './text.ts';

/**
 * A production observation as an application posts it: what the model was asked, what it answered, and,
 * optionally, what the user thought of it. Validated here, before anything is written.
 */

export const RATINGS = ['up', 'down'] as const;
export type Rating = (typeof RATINGS)[number];

export const OBSERVATION_STATUSES = ['untriaged', 'patterned', 'dismissed'] as const;
export type ObservationStatus = (typeof OBSERVATION_STATUSES)[number];

export interface SlackMessageRef {
  channel: string;
  ts: string;
}

export interface ObservationDraft {
  model: ModelRef;
  input: PatternInput;
  output: PatternInput;
  /** Null: "now", filled in by the service (the core has no clock). */
  at: Date | null;
  user: string | null;
  rating: Rating | null;
  comment: string | null;
  metadata: Record<string, unknown>;
  externalId: string | null;
  /** The Slack message this output was posted as, from metadata (`slack: {channel, ts}` or `channel` + `ts`). */
  slack: SlackMessageRef | null;
  /** `post: {channel, threadTs?}`: Canary posts the observation as a card there; 👍/👎 on it rate it. */
  post: { channel: string; threadTs: string | null } | null;
}

export type ObservationResult = { ok: true; value: ObservationDraft } | { ok: false; errors: FieldError[] };

const KEYS = [
  'model',
  'input',
  'output',
  'at',
  'user',
  'rating',
  'comment',
  'metadata',
  'externalId',
  'post',
];
const MAX_ID_CHARS = 200;
const MAX_COMMENT_CHARS = 4000;
/** Slack channel ids and message timestamps, so a typo cannot tie an output to some other message. */
const CHANNEL_ID = /^[CDG][A-Z0-9]{2,}$/;
const MESSAGE_TS = /^\d{9,11}\.\d{6}$/;

export function parseRating(value: unknown): { ok: true; value: Rating } | { ok: false; error: string } {
  return value === 'up' || value === 'down'
    ? { ok: true, value }
    : { ok: false, error: `The rating must be "up" or "down", got ${JSON.stringify(value) ?? 'nothing'}.` };
}

/** Checks every field and reports every mistake at once, each naming its field. */
export function validateObservation(raw: unknown, maxBytes: number): ObservationResult {
  if (!isPlainObject(raw))
    return {
      ok: false,
      errors: [{ field: 'observation', message: 'An observation must be a JSON object.' }],
    };
  const errors: FieldError[] = [];
  for (const key of Object.keys(raw).filter((k) => !KEYS.includes(k)))
    errors.push({ field: key, message: `Unknown field "${key}"; expected ${KEYS.join(', ')}.` });
  const nul = findNul(raw);
  if (nul)
    errors.push({ field: nul, message: 'It contains a NUL character (\\u0000), which cannot be stored.' });

  let model: ModelRef | null = null;
  if (typeof raw['model'] !== 'string') {
    errors.push({ field: 'model', message: 'Say which model answered, as "<name>@<version>".' });
  } else {
    const parsed = parseModelRef(raw['model']);
    if (parsed.ok) model = parsed.value;
    else errors.push({ field: 'model', message: parsed.error });
  }

  const input = parsePatternInput(raw['input'], maxBytes);
  if (!input.ok) errors.push({ field: 'input', message: input.error });
  const output = parsePatternInput(raw['output'], maxBytes);
  if (!output.ok) errors.push({ field: 'output', message: output.error.replace('input', 'output') });

  let at: Date | null = null;
  if (raw['at'] !== undefined) {
    at = parseInstant(raw['at']);
    if (!at)
      errors.push({
        field: 'at',
        message: 'at must be an ISO 8601 time with a zone, e.g. 2026-12-01T09:30:00Z.',
      });
  }

  const user = optionalText(raw, 'user', MAX_ID_CHARS, errors);
  const comment = optionalText(raw, 'comment', MAX_COMMENT_CHARS, errors);
  const externalId = optionalText(raw, 'externalId', MAX_ID_CHARS, errors);

  let rating: Rating | null = null;
  if (raw['rating'] !== undefined && raw['rating'] !== null) {
    const parsed = parseRating(raw['rating']);
    if (parsed.ok) rating = parsed.value;
    else errors.push({ field: 'rating', message: parsed.error });
  }

  let metadata: Record<string, unknown> = {};
  let slack: SlackMessageRef | null = null;
  if (raw['metadata'] !== undefined) {
    if (!isPlainObject(raw['metadata'])) {
      errors.push({ field: 'metadata', message: 'metadata must be a JSON object.' });
    } else {
      metadata = raw['metadata'];
      const size = canonicalJson(metadata).length;
      if (size > maxBytes)
        errors.push({
          field: 'metadata',
          message: `metadata is ${size} bytes; the limit is ${maxBytes} bytes.`,
        });
      const found = slackRefOf(metadata);
      if (typeof found === 'string') errors.push({ field: 'metadata.slack', message: found });
      else slack = found;
    }
  }

  const post = raw['post'] === undefined || raw['post'] === null ? null : parsePost(raw['post'], errors);
  if (post && slack)
    errors.push({
      field: 'post',
      message:
        'The output is already a Slack message (metadata.slack); Canary posts a card only for one that is not.',
    });

  if (errors.length > 0 || !model || !input.ok || !output.ok) return { ok: false, errors };
  return {
    ok: true,
    value: {
      model,
      input: input.value,
      output: output.value,
      at,
      user,
      rating,
      comment,
      metadata,
      externalId,
      slack,
      post,
    },
  };
}

function parsePost(raw: unknown, errors: FieldError[]): ObservationDraft['post'] {
  const channel = isPlainObject(raw) ? raw['channel'] : undefined;
  const thread = isPlainObject(raw) ? raw['threadTs'] : undefined;
  if (typeof channel !== 'string' || !CHANNEL_ID.test(channel)) {
    errors.push({
      field: 'post.channel',
      message: 'post must be {"channel": "C…"} with a Slack channel id.',
    });
    return null;
  }
  if (thread !== undefined && (typeof thread !== 'string' || !MESSAGE_TS.test(thread))) {
    errors.push({
      field: 'post.threadTs',
      message: 'post.threadTs must be a Slack message ts, e.g. 1733040000.000100.',
    });
    return null;
  }
  return { channel, threadTs: typeof thread === 'string' ? thread : null };
}

/** The group key of an input in triage: equal inputs, whatever their key order, share it. */
export function inputKey(input: unknown): string {
  return typeof input === 'string' ? input.trim() : canonicalJson(input);
}

function parseInstant(value: unknown): Date | null {
  // A zone is required: "09:30" without one means a different instant on every server.
  if (
    typeof value !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)
  )
    return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function optionalText(
  raw: Record<string, unknown>,
  field: string,
  max: number,
  errors: FieldError[],
): string | null {
  const value = raw[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') {
    errors.push({ field, message: `${field} must be text.` });
    return null;
  }
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if (trimmed.length > max) {
    errors.push({ field, message: `${field} is ${trimmed.length} characters; the limit is ${max}.` });
    return null;
  }
  return trimmed;
}

/**
 * `{slack: {channel, ts}}` (checked strictly), or top-level `channel` and `ts` together. A lone top-level
 * `channel` ("web", "email") is the application's own metadata, not a Slack message. A string is the reason
 * the reference is malformed.
 */
function slackRefOf(metadata: Record<string, unknown>): SlackMessageRef | null | string {
  const nested = metadata['slack'];
  if (nested === undefined && (metadata['channel'] === undefined || metadata['ts'] === undefined))
    return null;
  const source = isPlainObject(nested) ? nested : metadata;
  const { channel, ts } = source as { channel?: unknown; ts?: unknown };
  if (typeof channel !== 'string' || !CHANNEL_ID.test(channel))
    return `metadata names a Slack message, but its channel ${JSON.stringify(channel) ?? 'is missing'} is not a channel id (e.g. C0123ABCD).`;
  if (typeof ts !== 'string' || !MESSAGE_TS.test(ts))
    return `metadata names a Slack message, but its ts ${JSON.stringify(ts) ?? 'is missing'} is not a message timestamp (e.g. 1733130000.000100).`;
  return { channel, ts };
}
