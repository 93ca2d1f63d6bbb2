import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMetrics,
  MAX_LATENCY_MODELS,
  OTHER_MODELS,
  QUEUE_STATES,
} from '../../src/observability/metrics.ts';
import { createRedis } from '../../src/queue/connection.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Series names and label names as served, from the registry itself. */
async function served(registry: ReturnType<typeof createMetrics>['registry']) {
  const all = await registry.getMetricsAsJSON();
  return all.map((m) => ({
    name: m.name,
    labels: [...new Set(m.values.flatMap((v) => Object.keys(v.labels).filter((l) => l !== 'le')))].sort(),
    values: m.values,
  }));
}

/** `| \`canary_x{a,b}\` | type | …` rows of the metrics table in docs/deployment.md. */
function documented(): { name: string; labels: string[]; meaning: string }[] {
  const text = readFileSync(new URL('../../docs/deployment.md', import.meta.url), 'utf8');
  const section = text.slice(
    text.indexOf('## Metrics'),
    text.indexOf('\n## ', text.indexOf('## Metrics') + 1),
  );
  const rows: { name: string; labels: string[]; meaning: string }[] = [];
  for (const line of section.split('\n')) {
    const m = /^\| `(canary_[a-z_]+)(?:\{([a-z_,]+)\})?` +\| [a-z]+ +\| (.*) \|$/.exec(line);
    if (m)
      rows.push({
        name: m[1] as string,
        labels: (m[2] ?? '').split(',').filter(Boolean).sort(),
        meaning: m[3] as string,
      });
  }
  return rows;
}

describe('canary_endpoint_latency_seconds cardinality', () => {
  it('labels by model name only: a version per commit adds no series', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    for (let v = 0; v < 500; v++) metrics.endpointLatencyFor('sentiment')(0.01 * (v % 7));
    const latency = (await served(metrics.registry)).find(
      (m) => m.name === 'canary_endpoint_latency_seconds',
    );
    const counts = latency?.values.filter(
      (v) => (v as { metricName?: string }).metricName === 'canary_endpoint_latency_seconds_count',
    );
    expect(counts).toEqual([expect.objectContaining({ labels: { model: 'sentiment' }, value: 500 })]);
  });

  it(`keeps at most ${MAX_LATENCY_MODELS} model names, the rest in one "${OTHER_MODELS}" series`, async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    for (let i = 0; i < MAX_LATENCY_MODELS + 50; i++) metrics.endpointLatencyFor(`model-${i}`)(0.02);
    // A name seen before the cap keeps its own series after it.
    metrics.endpointLatencyFor('model-0')(0.02);
    const latency = (await served(metrics.registry)).find(
      (m) => m.name === 'canary_endpoint_latency_seconds',
    );
    const counts = new Map(
      latency?.values
        .filter((v) => (v as { metricName?: string }).metricName === 'canary_endpoint_latency_seconds_count')
        .map((v) => [v.labels.model, v.value]),
    );
    expect(counts.size).toBe(MAX_LATENCY_MODELS + 1);
    expect(counts.get(OTHER_MODELS)).toBe(50);
    expect(counts.get('model-0')).toBe(2);
    expect(counts.has(`model-${MAX_LATENCY_MODELS}`)).toBe(false);
  });
});

describe('the metrics table in docs/deployment.md', () => {
  const prefix = `{canary-metrics-doc-${randomBytes(4).toString('hex')}}`;
  const connection = createRedis(REDIS_URL, 'producer');
  let queue: Queue;

  beforeAll(async () => {
    queue = new Queue('evaluations', { connection, prefix });
    await queue.add('x', {}, { jobId: 'held-1' });
    await queue.add('x', {}, { jobId: 'held-2' });
    await queue.pause();
  });

  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    await connection.quit();
  });

  it('lists exactly the series served, with their labels, and every queue state including paused', async () => {
    const metrics = createMetrics();
    metrics.watchQueues([queue]);
    metrics.evaluations.inc({ status: 'passed' });
    metrics.endpointLatencyFor('m')(0.1);
    metrics.slackApiErrors.inc({ method: 'chat.postMessage', error: 'not_in_channel' });
    const series = await served(metrics.registry);
    const own = series.filter((m) => !/^canary_(process|nodejs)_/.test(m.name));
    const docs = documented();
    expect(docs.map((d) => [d.name, d.labels]).sort()).toEqual(own.map((m) => [m.name, m.labels]).sort());
    // The default process metrics the table sums up as `canary_process_*`, `canary_nodejs_*` are there too.
    expect(series.some((m) => m.name === 'canary_process_resident_memory_bytes')).toBe(true);

    const jobs = series.find((m) => m.name === 'canary_queue_jobs');
    const states = new Map(jobs?.values.map((v) => [v.labels.state, v.value]));
    expect([...states.keys()].sort()).toEqual([...QUEUE_STATES].sort());
    expect(states.get('paused')).toBe(2);
    expect(states.get('waiting')).toBe(0);
    const queueRow = docs.find((d) => d.name === 'canary_queue_jobs');
    for (const state of QUEUE_STATES) expect(queueRow?.meaning).toContain(`\`${state}\``);
  });
});
