import { WebClient } from '@slack/web-api';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChartRenderer } from '../../src/charts/index.ts';
import { getEvaluationRow } from '../../src/db/queries/evaluations.ts';
import { createNotifyJobs } from '../../src/notify/processor.ts';
import { type RunningWorkers, startWorkers } from '../../src/queue/workers.ts';
import { createSlackPoster } from '../../src/slack/web-api/post.ts';
import {
  createHarness,
  type Harness,
  seedModel,
  seedPattern,
  seedProblem,
  waitFor,
} from '../queue/harness.ts';
import { type SlackApi, startSlackApi } from '../support/slack-api/index.ts';

/**
 * Runs over within a second, through the real workers and notify processor: the summary is still posted when the
 * run starts and edited when it ends, one message, whichever of the two notifications a worker picks up first.
 */
const MODELS = 'C0QUICK';
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

let h: Harness;
let api: SlackApi;
let workers: RunningWorkers;

beforeAll(async () => {
  api = await startSlackApi();
  api.addChannel({ id: MODELS, name: 'ml-models' });
  h = await createHarness({ workers: false, env: { CANARY_WORKER_CONCURRENCY: '4' } });
  const client = new WebClient(api.botToken, {
    slackApiUrl: api.url,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
  workers = await startWorkers({
    config: h.config,
    db: h.db,
    log,
    secrets: {},
    queues: h.queues,
    notify: createNotifyJobs({
      db: h.db,
      log,
      now: () => new Date(),
      slack: createSlackPoster(client, { ratePerSecond: 50 }),
      charts: createChartRenderer({ renderer: 'quickchart', quickchartUrl: 'http://quickchart.invalid' }),
      modelsChannel: MODELS,
    }),
  });
}, 60_000);

afterAll(async () => {
  await workers?.close();
  await h?.close();
  await api?.close();
});

async function evaluateAndWait(name: string, problemId: number) {
  const modelId = await seedModel(h.db, h.server, { name });
  const { evaluationId } = await h.scheduler.evaluateModel({ modelId, trigger: 'manual', problemId });
  return waitFor(
    async () => {
      const row = await getEvaluationRow(h.db, evaluationId);
      return row?.notifiedAt ? row : undefined;
    },
    { timeoutMs: 30_000, what: `evaluation ${evaluationId} notified` },
  );
}

/** Every Web API call about this model's summary in the models channel, in order. */
function summaryCalls(name: string) {
  return api.calls.filter(
    (c) =>
      c.args.channel === MODELS &&
      c.outcome === 'ok' &&
      (c.method === 'chat.postMessage' || c.method === 'chat.update') &&
      String(c.args.text).includes(`${name}@`),
  );
}

describe('a run that finishes within seconds', () => {
  it.each([
    ['two patterns', 'quick', 2],
    ['nothing to run (done before any job)', 'empty', 0],
  ])('%s: the summary is posted at the start, then edited in place to the result', async (_, name, count) => {
    const problemId = await seedProblem(h.db);
    for (let i = 0; i < count; i++)
      await seedPattern(h.db, problemId, `not bad ${i}`, { label: i % 2 ? 'positive' : 'negative' });
    const row = await evaluateAndWait(name, problemId);
    expect(row.status).toBe('done');

    const calls = summaryCalls(name);
    expect(calls[0]?.method).toBe('chat.postMessage');
    expect(String(calls[0]?.args.text)).toMatch(/^Evaluating /);
    const posted = api.messages(MODELS).filter((m) => m.text.includes(`${name}@`));
    expect(posted).toHaveLength(1);
    const ts = posted[0]?.ts;
    // The post answered with this ts; every later call edits that very message, the last to the result.
    expect(calls.slice(1).length).toBeGreaterThanOrEqual(1);
    expect(calls.slice(1).map((c) => [c.method, c.args.ts])).toEqual(
      calls.slice(1).map(() => ['chat.update', ts]),
    );
    expect(String(calls.at(-1)?.args.text)).not.toMatch(/^Evaluating /);
    expect(posted[0]?.text).toBe(calls.at(-1)?.args.text);
  });
});
