import { WebClient } from '@slack/web-api';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChartRenderer } from '../../src/charts/index.ts';
import { evaluations } from '../../src/db/schema.ts';
import { createNotifyJobs } from '../../src/notify/processor.ts';
import { addJob } from '../../src/queue/jobs.ts';
import { type RunningWorkers, startWorkers } from '../../src/queue/workers.ts';
import { createSlackPoster } from '../../src/slack/web-api/post.ts';
import { createHarness, type Harness, seedModel } from '../queue/harness.ts';
import { type SlackApi, startSlackApi } from '../support/slack-api/index.ts';

/**
 * Two notify worker slots, one message per second per channel, and eight summaries queued for a busy channel
 * before one for a quiet channel. Waiting for the busy channel's turn must not keep the quiet one waiting; nor
 * must a channel Slack answers 429 for.
 */
const BUSY = 'C0BUSY';
const QUIET = 'C0QUIET';
const LIMITED = 'C0LIMITED';
const BRIEF = 'C0BRIEF';
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

let h: Harness;
let api: SlackApi;
let workers: RunningWorkers;

beforeAll(async () => {
  api = await startSlackApi();
  api.addChannel({ id: BUSY, name: 'busy' });
  api.addChannel({ id: QUIET, name: 'quiet' });
  api.addChannel({ id: LIMITED, name: 'limited' });
  api.addChannel({ id: BRIEF, name: 'brief' });
  h = await createHarness({ workers: false, env: { CANARY_WORKER_CONCURRENCY: '2' } });
  // As src/slack/web-api/client.ts builds it for the poster: 429s come back to the poster instead of being slept out.
  const client = new WebClient(api.botToken, {
    slackApiUrl: api.url,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
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

  it('a channel answered 429 with Retry-After 30 gives its worker slots back; another channel is posted meanwhile', async () => {
    api.failNext('chat.postMessage', { status: 429, retryAfter: 30, channel: LIMITED });
    const limited = [];
    for (let i = 0; i < 3; i++) limited.push(await runningEvaluation(`limited${i}`, LIMITED));
    const other = await runningEvaluation('other', QUIET);
    const ids: string[] = [];
    for (const e of limited) {
      const { jobId } = await addJob(h.queues, 'notify.evaluation-started', {
        evaluationId: e.id,
        jobKey: e.jobKey,
      });
      ids.push(jobId as string);
    }
    await addJob(h.queues, 'notify.evaluation-started', { evaluationId: other.id, jobKey: other.jobKey });

    // Queued behind three jobs for the rate-limited channel, with two worker slots.
    await api.waitFor(() => api.messages(QUIET).some((m) => m.text.includes('other')), 20_000);
    const limitedCalls = () => api.callsTo('chat.postMessage').filter((c) => c.args.channel === LIMITED);
    // Slack was asked once: the other two learnt of the closed channel from the poster, not from Slack.
    expect(limitedCalls().map((c) => c.outcome)).toEqual(['429']);
    expect(api.messages(LIMITED)).toEqual([]);
    // Every job of the limited channel ends up waiting in `delayed` for Retry-After, none in a worker slot: one
    // given a turn before the 429 comes back for it, finds the channel closed and goes back without asking Slack.
    const rateLimitedAt = (limitedCalls()[0] as { at: Date }).at.getTime();
    const waiting = async () => {
      const jobs = await Promise.all(ids.map((id) => h.queues.notify.getJob(id)));
      const states = await Promise.all(jobs.map((j) => j?.getState()));
      return jobs.every(
        (j, i) => states[i] === 'delayed' && (j?.timestamp ?? 0) + (j?.delay ?? 0) >= rateLimitedAt + 29_000,
      );
    };
    await api.waitFor(waiting, 15_000);
    expect(limitedCalls().map((c) => c.outcome)).toEqual(['429']);
    expect(api.messages(LIMITED)).toEqual([]);
  }, 60_000);

  it('after a short Retry-After, the rate-limited channel posts each message once, in queue order', async () => {
    api.failNext('chat.postMessage', { status: 429, retryAfter: 1, channel: BRIEF });
    const brief = [];
    for (let i = 0; i < 3; i++) brief.push(await runningEvaluation(`brief${i}`, BRIEF));
    for (const e of brief)
      await addJob(h.queues, 'notify.evaluation-started', { evaluationId: e.id, jobKey: e.jobKey });

    await api.waitFor(() => api.messages(BRIEF).length === 3, 30_000);
    const calls = api.callsTo('chat.postMessage').filter((c) => c.args.channel === BRIEF);
    expect(calls.map((c) => c.outcome)).toEqual(['429', 'ok', 'ok', 'ok']);
    // Whichever job met the 429, it went back in line by queue order.
    expect(api.messages(BRIEF).map((m) => /brief(\d)/.exec(m.text)?.[1])).toEqual(['0', '1', '2']);
  }, 60_000);
});
