import { createServer } from 'node:net';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CanaryError } from '../../src/core/errors.ts';
import { isExpectedError, slackErrorCode, slackErrorLabel, userMessageFor } from '../../src/slack/errors.ts';
import { type SlackApi, startSlackApi } from '../support/slack-api/index.ts';

let api: SlackApi;
const CH = 'C0ERRORS';

beforeAll(async () => {
  api = await startSlackApi();
  api.addChannel({ id: CH, name: 'errors' });
});
afterAll(async () => {
  await api?.close();
});
beforeEach(() => api.reset());

/** No retries, so each fault surfaces as the SDK's own error at once. */
function client(url = api.url) {
  return new WebClient(api.botToken, {
    slackApiUrl: url,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
}

async function failure(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('the call did not fail');
}

/** A URL nothing listens on: a port that was just free. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/api/`;
}

describe('slackErrorCode and slackErrorLabel', () => {
  it.each([
    { fault: { error: 'not_in_channel' }, code: 'not_in_channel', label: 'not_in_channel' },
    { fault: { status: 429, retryAfter: 1 }, code: 'ratelimited', label: 'ratelimited' },
    { fault: { status: 503 }, code: undefined, label: 'http_503' },
  ])('a fault $fault: code $code, label $label', async ({ fault, code, label }) => {
    api.failNext('chat.postMessage', fault);
    const error = await failure(() => client().chat.postMessage({ channel: CH, text: 'x' }));
    expect(slackErrorCode(error)).toBe(code);
    expect(slackErrorLabel(error)).toBe(label);
    expect(isExpectedError(error)).toBe(code !== undefined);
  });

  it('an unreachable Slack is a request error, not a Slack refusal', async () => {
    const error = await failure(async () =>
      client(await deadUrl()).chat.postMessage({ channel: CH, text: 'x' }),
    );
    expect(slackErrorCode(error)).toBeUndefined();
    expect(slackErrorLabel(error)).toBe('request_error');
    expect(userMessageFor(error)).toContain('on Canary’s side');
  });

  it.each([new Error('boom'), null, undefined, 'text', new CanaryError('invalid_input', 'Bad input.')])(
    'anything else (%s) has no code and the label unknown',
    (error) => {
      expect(slackErrorCode(error)).toBeUndefined();
      expect(slackErrorLabel(error)).toBe('unknown');
    },
  );
});
