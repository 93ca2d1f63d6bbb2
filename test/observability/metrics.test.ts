import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Canary } from '../../src/app.ts';
import type { ModelServer } from '../../src/modelserver/index.ts';
import { createMetrics, startMetricsServer } from '../../src/observability/metrics.ts';
import { startTestCanary, type TestCanary } from '../support/canary.ts';
import type { SlackApi } from '../support/slack-api/index.ts';

/** Reads one sample's value from the Prometheus text format, or undefined when the series is absent. */
function sample(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of body.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const open = line.indexOf('{');
    const close = line.lastIndexOf('}');
    const rendered = open === -1 || open > name.length ? '' : line.slice(open + 1, close);
    if (!Object.entries(labels).every(([k, v]) => rendered.includes(`${k}="${v}"`))) continue;
    return Number(line.slice((close === -1 ? name.length : close + 1) + 1).trim());
  }
  return undefined;
}

describe('Prometheus metrics from a running Canary', () => {
  const token = 'api-token-1';
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  let running: TestCanary;
  let slackApi: SlackApi;
  let models: ModelServer;
  let canary: Canary;

  beforeAll(async () => {
    running = await startTestCanary({
      env: {
        CANARY_API_TOKENS: token,
        SLACK_SIGNING_SECRET: 'test-signing-secret',
        CANARY_MODELS_CHANNEL: 'C1',
      },
      setUpSlack: (api) => api.addChannel({ id: 'C1', name: 'ml-models' }),
    });
    ({ canary, slackApi, models } = running);
  });

  afterAll(async () => {
    await running?.close();
  });

  async function scrape(): Promise<string> {
    const res = await fetch(`${canary.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return res.text();
  }

  it('counts committed outcomes per status, endpoint latency per model, queue depth and Slack failures', async () => {
    // The first evaluation notification goes to the models channel; Slack refuses it once.
    slackApi.failNext('chat.postMessage', { error: 'channel_not_found' });

    const problem = await fetch(`${canary.url}/api/v1/problems`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ title: 'Negation is misread' }),
    });
    expect(problem.status).toBe(201);
    const { key } = (await problem.json()) as { key: string };
    const add = await fetch(`${canary.url}/api/v1/patterns`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify([
        { problem: key, input: "I don't like it.", expect: { label: 'negative' } },
        { problem: key, input: 'Not bad at all.', expect: { label: 'positive' } },
        { problem: key, input: 'This is wonderful.', expect: { label: 'negative' } },
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

    type Evaluation = { status: string; total: number; passed: number; failed: number; errored: number };
    let evaluation: Evaluation | undefined;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const ev = (await fetch(`${canary.url}/api/v1/evaluations/${evaluationId}`, { headers: auth }).then(
        (r) => r.json(),
      )) as Evaluation;
      if (ev.status === 'done') {
        evaluation = ev;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(evaluation?.status).toBe('done');
    if (!evaluation) return;
    expect(evaluation.total).toBe(3);

    const body = await scrape();
    for (const status of ['passed', 'failed', 'errored'] as const) {
      expect(sample(body, 'canary_pattern_evaluations_total', { status }) ?? 0).toBe(evaluation[status]);
    }
    expect(evaluation.passed + evaluation.failed + evaluation.errored).toBe(3);
    expect(evaluation.failed).toBeGreaterThan(0);
    expect(sample(body, 'canary_endpoint_latency_seconds_count', { model: 'sentiment' })).toBeGreaterThan(0);
    expect(sample(body, 'canary_endpoint_latency_seconds_sum', { model: 'sentiment' })).toBeGreaterThan(0);
    for (const queue of ['evaluations', 'notify']) {
      for (const state of ['waiting', 'active', 'delayed', 'failed']) {
        expect(sample(body, 'canary_queue_jobs', { queue, state })).toBeGreaterThanOrEqual(0);
      }
    }
    expect(body).toContain('canary_process_cpu_seconds_total');

    // The refused post is counted once Slack has answered it.
    await slackApi.waitFor(() => slackApi.messages('C1').length > 0, 10_000);
    const after = await scrape();
    expect(
      sample(after, 'canary_slack_api_errors_total', {
        method: 'chat.postMessage',
        error: 'channel_not_found',
      }),
    ).toBe(1);
  });
});

describe('startMetricsServer', () => {
  it('serves a registry on /metrics for a process without its own HTTP server, and nothing else', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.evaluations.inc({ status: 'passed' }, 3);
    metrics.endpointLatencyFor('m')(0.2);
    const server = await startMetricsServer(metrics, { port: 0, host: '127.0.0.1' });
    try {
      const res = await fetch(server.url);
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(sample(body, 'canary_pattern_evaluations_total', { status: 'passed' })).toBe(3);
      expect(sample(body, 'canary_endpoint_latency_seconds_count', { model: 'm' })).toBe(1);
      expect((await fetch(server.url.replace('/metrics', '/other'))).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe('CANARY_METRICS_TOKEN', () => {
  const token = 'metrics-token-0123456789';

  it('a worker-only metrics server answers 401 without the bearer token and the samples with it', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.evaluations.inc({ status: 'failed' }, 2);
    const server = await startMetricsServer(metrics, { port: 0, host: '127.0.0.1', token });
    try {
      for (const authorization of [undefined, 'Bearer wrong', `Bearer ${token}x`, token]) {
        const res = await fetch(server.url, authorization ? { headers: { authorization } } : {});
        expect(res.status, authorization).toBe(401);
        expect(await res.text()).not.toContain('canary_');
      }
      const ok = await fetch(server.url, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(sample(await ok.text(), 'canary_pattern_evaluations_total', { status: 'failed' })).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('the web process guards /metrics on PORT the same way, and leaves the API alone', async () => {
    const running = await startTestCanary({
      env: {
        CANARY_METRICS_TOKEN: token,
        CANARY_API_TOKENS: 'api-t',
        SLACK_SIGNING_SECRET: 'test-signing-secret',
      },
    });
    try {
      const url = `${running.canary.url}/metrics`;
      expect((await fetch(url)).status).toBe(401);
      const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('canary_');
      expect((await fetch(`${running.canary.url}/healthz`)).status).toBeLessThan(500);
    } finally {
      await running.close();
    }
  });
});
