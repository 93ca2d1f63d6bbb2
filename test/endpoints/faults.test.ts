import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointConfig } from '../../src/core/model.ts';
import type { EndpointAnswer } from '../../src/endpoints/types.ts';
import { type ModelServer, type ModelServerFaults, startModelServer } from '../support/model-server.ts';
import { adapterFactory, LOCAL, QUICK } from './helpers.ts';

let server: ModelServer;
const adapters = adapterFactory();

beforeAll(async () => {
  server = await startModelServer({ port: 0 });
});
afterEach(() => {
  server.setFaults({});
  server.resetStats();
});
afterAll(async () => {
  await adapters.closeAll();
  await server.close();
});

const kserve = (options: Record<string, unknown> = {}): EndpointConfig => ({
  adapter: 'kserve-v2',
  url: `${server.url}/v2/models/afinn/infer`,
  options: { ...QUICK, ...options },
});

function errors(answers: EndpointAnswer[]): string[] {
  return answers.map((a) => (a.ok ? 'ok' : a.error));
}

const PERSISTENT: [string, ModelServerFaults, RegExp, Record<string, unknown>][] = [
  ['500s', { status500Every: 1 }, /^HTTP 500: .*injected fault/, {}],
  ['429s', { status429Every: 1 }, /^HTTP 429: .*too many requests/, {}],
  ['408s', { status408Every: 1 }, /^HTTP 408: .*request timeout/, {}],
  ['timeouts', { timeoutEvery: 1 }, /^timed out after 150 ms$/, { timeoutMs: 150 }],
  ['closed connections', { closeEvery: 1 }, /^connection error: (ECONNRESET|socket hang up)/, {}],
  ['malformed JSON', { malformedEvery: 1 }, /^response is not valid JSON/, {}],
  ['one prediction short', { wrongCountEvery: 1 }, /^malformed response: expected 3 predictions, got 2$/, {}],
];

describe.each(PERSISTENT)('persistent %s', (_name, faults, reason, options) => {
  it('retries, then records an error with the reason for every input of the batch', async () => {
    server.setFaults(faults);
    const answers = await adapters.make(kserve(options)).predict(['a', 'b', 'c']);
    expect(answers).toHaveLength(3);
    for (const a of answers) {
      expect(a.ok).toBe(false);
      expect(a.attempts).toBe(QUICK.retries + 1);
    }
    for (const e of errors(answers)) expect(e).toMatch(reason);
    expect(server.stats().requests).toBe(QUICK.retries + 1);
  });
});

describe.each(PERSISTENT)('occasional %s', (_name, faults, _reason, options) => {
  it('recovers on retry', async () => {
    // Every second request fails; one input at a time makes the sequence predictable.
    const every = Object.fromEntries(Object.entries(faults).map(([k]) => [k, 2]));
    server.setFaults(every);
    const adapter = adapters.make(kserve(options));
    const answers: EndpointAnswer[] = [];
    for (const text of ['good', 'bad', 'fine', 'meh']) answers.push(...(await adapter.predict([text])));
    expect(errors(answers)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(answers.map((a) => a.attempts)).toEqual([1, 2, 2, 2]);
    expect(Object.values(server.stats().injected).reduce((a, b) => a + b, 0)).toBe(3);
  });
});

describe('errors stay with the inputs they covered', () => {
  it('fails only the batch that got a bad answer', async () => {
    server.setFaults({ status500Every: 2 });
    const adapter = adapters.make(kserve({ batchSize: 2, concurrency: 1, retries: 0 }));
    const answers = await adapter.predict(['a', 'b', 'c', 'd', 'e']);
    expect(answers.map((a) => a.ok)).toEqual([true, true, false, false, true]);
  });
});

describe('Retry-After', () => {
  it('waits as long as a 429 asks before trying again, not the (much shorter) backoff', async () => {
    server.setFaults({ status429Every: 2, retryAfterSeconds: 1 });
    const adapter = adapters.make(kserve({ backoffMs: 1 }));
    const [first] = await adapter.predict(['good']);
    const started = performance.now();
    const [second] = await adapter.predict(['bad']);
    const waited = performance.now() - started;
    expect([first?.ok, second?.ok, second?.attempts]).toEqual([true, true, 2]);
    expect(server.stats().injected.status429).toBe(1);
    // Timers may fire a little late, never early.
    expect(waited).toBeGreaterThanOrEqual(990);
  });
});

describe('4xx', () => {
  it('is not retried', async () => {
    server.setFaults({ status4xx: true });
    const answers = await adapters.make(kserve()).predict(['a', 'b']);
    expect(answers.map((a) => a.attempts)).toEqual([1, 1]);
    expect(errors(answers)).toEqual([expect.stringMatching(/^HTTP 400/), expect.stringMatching(/^HTTP 400/)]);
    expect(server.stats().requests).toBe(1);
  });

  it('an unknown model is a 404 with the server reason', async () => {
    const [answer] = await adapters
      .make({ adapter: 'tfserving', url: `${server.url}/v1/models/nope:predict`, options: QUICK })
      .predict(['x']);
    expect(answer).toMatchObject({
      ok: false,
      attempts: 1,
      error: expect.stringMatching(/^HTTP 404: .*nope/),
    });
  });
});

describe('connection refused', () => {
  it('is retried and reported', async () => {
    const gone = await startModelServer({ port: 0 });
    const url = `${gone.url}/afinn/invocations`;
    await gone.close();
    const [answer] = await adapters.make({ adapter: 'mlflow', url, options: QUICK }).predict(['x']);
    expect(answer).toMatchObject({ ok: false, attempts: 3, error: 'connection error: ECONNREFUSED' });
  });
});

describe('aborting', () => {
  it('stops waiting and does not retry', async () => {
    server.setFaults({ timeoutEvery: 1 });
    const controller = new AbortController();
    const pending = adapters.make(kserve({ timeoutMs: 60_000 })).predict(['x'], controller.signal);
    const deadline = Date.now() + 5_000;
    while (server.stats().requests === 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    controller.abort();
    const [answer] = await pending;
    expect(answer).toMatchObject({ ok: false, attempts: 1, error: 'request aborted' });
  });
});

describe('headersFromEnv', () => {
  const TOKEN = 'Bearer s3cr3t-token-value';
  let guarded: ModelServer;
  beforeAll(async () => {
    guarded = await startModelServer({ port: 0, auth: { header: 'Authorization', value: TOKEN } });
  });
  afterAll(async () => {
    await guarded.close();
  });
  const config = (): EndpointConfig => ({
    adapter: 'http',
    url: `${guarded.url}/http/vader`,
    options: { ...QUICK, headersFromEnv: { Authorization: 'MODEL_TOKEN' } },
  });

  it('sends the header named by the config', async () => {
    const [answer] = await adapters
      .make(config(), { ...LOCAL, secrets: { MODEL_TOKEN: TOKEN } })
      .predict(['great']);
    expect(answer).toMatchObject({ ok: true, prediction: { label: 'positive' } });
  });

  it('keeps a rejected secret out of the error even when the server echoes it', async () => {
    const wrong = 'Bearer wrong-but-still-secret';
    const [answer] = await adapters
      .make(config(), { ...LOCAL, secrets: { MODEL_TOKEN: wrong } })
      .predict(['great']);
    expect(answer).toMatchObject({ ok: false, attempts: 1 });
    const error = answer && !answer.ok ? answer.error : '';
    expect(error).toMatch(/^HTTP 401: .*\[redacted\]/);
    expect(error).not.toContain('wrong-but-still-secret');
  });

  it('reports a missing variable by name without sending anything', async () => {
    guarded.resetStats();
    const answers = await adapters.make(config(), { ...LOCAL, secrets: {} }).predict(['a', 'b']);
    expect(answers).toEqual([
      {
        ok: false,
        error: 'header Authorization needs MODEL_TOKEN, which is not set',
        latencyMs: 0,
        attempts: 0,
      },
      {
        ok: false,
        error: 'header Authorization needs MODEL_TOKEN, which is not set',
        latencyMs: 0,
        attempts: 0,
      },
    ]);
    expect(guarded.stats().requests).toBe(0);
  });
});
