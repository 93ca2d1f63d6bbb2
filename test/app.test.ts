import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Canary } from '../src/app.ts';
import type { ModelServer } from '../src/modelserver/index.ts';
import { startTestCanary, type TestCanary } from './support/canary.ts';
import type { SlackApi } from './support/slack-api/index.ts';
import { sendCommand } from './support/slack-requests.ts';

/** The composition root end to end: one HTTP server carrying the API, Slack, health and metrics, with workers. */
describe('startCanary', () => {
  const secret = 'test-signing-secret';
  const token = 'api-token-1';
  let running: TestCanary;
  let slackApi: SlackApi;
  let models: ModelServer;
  let canary: Canary;

  beforeAll(async () => {
    running = await startTestCanary({
      env: { CANARY_API_TOKENS: token, SLACK_SIGNING_SECRET: secret },
      setUpSlack: (api) => api.addChannel({ id: 'C1', name: 'ml-models' }),
    });
    ({ canary, slackApi, models } = running);
  });

  afterAll(async () => {
    await running?.close();
  });

  it('answers health and readiness', async () => {
    expect((await fetch(`${canary.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${canary.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { postgres: true, redis: true } });
  });

  it('serves Prometheus metrics with queue depth', async () => {
    const res = await fetch(`${canary.url}/metrics`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toMatch(/canary_queue_jobs\{queue="evaluations",state="waiting"\} \d+/);
    expect(body).toContain('canary_pattern_evaluations_total');
  });

  it('routes signed Slack commands to Bolt and refuses forged ones', async () => {
    const ok = await sendCommand(`${canary.url}/slack/events`, secret, {
      command: '/problem',
      text: 'new Negation is misread',
      user_id: 'U1',
      channel_id: 'C1',
    });
    expect(ok.status).toBe(200);
    const card = await slackApi.waitFor(() =>
      slackApi.messages('C1').find((m) => /Negation is misread/.test(m.text ?? '')),
    );
    expect(card.text).toMatch(/P-\d+/);

    const forged = await sendCommand(`${canary.url}/slack/events`, 'wrong-secret', {
      command: '/problem',
      text: 'new Forged',
      user_id: 'U1',
      channel_id: 'C1',
    });
    expect(forged.status).toBe(401);
  });

  it('registers a model over the API and evaluates it through the in-process workers', async () => {
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const problems = await fetch(`${canary.url}/api/v1/problems`, { headers: auth }).then((r) => r.json());
    const key = (problems as { problems?: { key: string }[] }).problems?.[0]?.key ?? 'P-1';
    const add = await fetch(`${canary.url}/api/v1/patterns`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify([
        { problem: key, input: "I don't like it.", expect: { label: 'negative' } },
        { problem: key, input: 'Not bad at all.', expect: { label: 'positive' } },
      ]),
    });
    expect(add.status).toBe(201);
    const reg = await fetch(`${canary.url}/api/v1/models`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        name: 'sentiment',
        version: 'v1',
        endpoint: { adapter: 'kserve-v2', url: `${models.url}/v2/models/vader/infer` },
      }),
    });
    expect(reg.status).toBe(201);
    const { evaluationId } = (await reg.json()) as { evaluationId: number };
    const deadline = Date.now() + 20_000;
    let status = '';
    while (Date.now() < deadline) {
      const ev = (await fetch(`${canary.url}/api/v1/evaluations/${evaluationId}`, { headers: auth }).then(
        (r) => r.json(),
      )) as { status: string; done: number; total: number };
      status = ev.status;
      if (status === 'done') {
        expect(ev.done).toBe(ev.total);
        expect(ev.total).toBe(2);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe('done');
  });
});
