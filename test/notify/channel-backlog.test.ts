import { WebClient } from '@slack/web-api';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChartRenderer } from '../../src/charts/index.ts';
import { evaluations } from '../../src/db/schema.ts';
import { createNotifyJobs } from '../../src/notify/processor.ts';
import { addJob } from '../../src/queue/jobs.ts';
import { type RunningWorkers, startWorkers } from '../../src/queue/workers.ts';
import { createSlackPoster } from '../../src/slack/post.ts';
import { createHarness, type Harness, seedModel } from '../queue/harness.ts';
import { type SlackApi, startSlackApi } from '../support/slack-api/index.ts';

/**
 * Two notify worker slots, one message per second per channel, and eight summaries queued for a busy channel
 * before one for a quiet channel. Waiting for the busy channel's turn must not keep the quiet one waiting.
 */
const BUSY = 'C0BUSY';
const QUIET = 'C0QUIET';
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

let h: Harness;
let api: SlackApi;
let workers: RunningWorkers;

beforeAll(async () => {
  api = await startSlackApi();
  api.addChannel({ id: BUSY, name: 'busy' });
  api.addChannel({ id: QUIET, name: 'quiet' });
  h = await createHarness({ workers: false, env: { CANARY_WORKER_CONCURRENCY: '2' } });
  const client = new WebClient(api.botToken, { slackApiUrl: api.url, retryConfig: { retries: 0 } });
  const notify = createNotifyJobs({
    db: h.db,
    log,
    now: () => new Date(),
    slack: createSlackPoster(client, { ratePerSecond: 1 }),
    charts: createChartRenderer({ renderer: 'quickchart', quickchartUrl: 'http://quickchart.invalid' }),
  });
  workers = await startWorkers({
    config: h.config,
    db: h.db,
    log,
    secrets: {},
    queues: h.queues,
    notify,
  });
}, 60_000);

afterAll(async () => {
  await workers?.close();
  await h?.close();
  await api?.close();
});

async function runningEvaluation(name: string, channel: string) {
  const modelId = await seedModel(h.db, h.server, { name });
  const [row] = await h.db
    .insert(evaluations)
    .values({ modelId, trigger: 'manual', status: 'running', total: 10, slackChannel: channel })
    .returning();
  return row!;
}

describe('per-channel pacing', () => {
  it('a backlog in one channel does not delay another, and keeps its own order', async () => {
    const busy = [];
    for (let i = 0; i < 8; i++) busy.push(await runningEvaluation(`busy${i}`, BUSY));
    const quiet = await runningEvaluation('quiet', QUIET);
    for (const e of busy)
      await addJob(h.queues, 'notify.evaluation-started', { evaluationId: e.id, jobKey: e.jobKey });
    await addJob(h.queues, 'notify.evaluation-started', { evaluationId: quiet.id, jobKey: quiet.jobKey });

    await api.waitFor(() => api.messages(BUSY).length === 8 && api.messages(QUIET).length === 1, 60_000);
    const posts = api.callsTo('chat.postMessage').filter((c) => c.outcome === 'ok');
    const quietAt = posts.findIndex((c) => c.args.channel === QUIET);
    // Queued ninth behind seven more seconds of the busy channel, it went out among the first few.
    expect(quietAt).toBeGreaterThanOrEqual(0);
    expect(quietAt).toBeLessThan(4);
    // The busy channel's backlog went out in the order it was queued. (The two jobs the two slots picked up at the
    // same instant reach an idle channel in either order, as any two concurrent senders do.)
    const order = posts
      .filter((c) => c.args.channel === BUSY)
      .map((c) => /busy(\d)/.exec(String(c.args.text))?.[1]);
    expect(order.slice(0, 2).sort()).toEqual(['0', '1']);
    expect(order.slice(2)).toEqual(['2', '3', '4', '5', '6', '7']);
    // Nobody was posted twice while jobs waited their turn.
    expect(posts).toHaveLength(9);
  }, 90_000);
});
