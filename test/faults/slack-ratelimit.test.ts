import { eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { problems, slackMessages } from '../../src/db/schema.ts';
import { createLogger } from '../../src/logger.ts';
import { type ModelServer, startModelServer } from '../../src/modelserver/index.ts';
import { queuedEvaluationId, registerModel } from '../../src/services/models.ts';
import { createSlackClient } from '../../src/slack/web-api/client.ts';
import { createSlackPoster } from '../../src/slack/web-api/post.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { type SlackApi, startSlackApi } from '../support/slack-api/index.ts';
import {
  createRig,
  printReport,
  type Rig,
  SHARED_REDIS_URL,
  seedPatterns,
  serviceDeps,
  startWorker,
  stopFaultRun,
  waitForFinished,
  waitForNotified,
} from './support.ts';

const THREADS_CHANNEL = 'CTHREADS1';
const MODELS_CHANNEL = 'CMODELS02';
const PROBLEMS_CHANNEL = 'CPROBLEM1';

let slack: SlackApi;
let database: TestDatabase | undefined;
let server: ModelServer | undefined;
let rig: Rig | undefined;

/** The WebClient exactly as workers build it (src/slack/web-api/client.ts): it hands 429s back to the paced poster. */
function productionClient() {
  const config = loadConfig({
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: 'signing-secret',
    SLACK_API_URL: slack.url,
  });
  return createSlackClient(config, createLogger('silent'));
}

beforeAll(async () => {
  slack = await startSlackApi();
  for (const [id, name] of [
    [THREADS_CHANNEL, 'threads'],
    [MODELS_CHANNEL, 'models'],
    [PROBLEMS_CHANNEL, 'problems'],
  ] as const) {
    slack.addChannel({ id, name });
  }
  slack.addUser({ id: 'U1', name: 'ada' });
});

afterAll(async () => {
  await stopFaultRun({ rig, server });
  await database?.drop();
  await slack?.close();
});

describe('Slack rate limiting', () => {
  it('the paced poster: 429s with Retry-After delay messages, which then arrive once each and in order per thread', async () => {
    const poster = createSlackPoster(productionClient(), { ratePerSecond: 50 });
    const parents = ['one', 'two', 'three'].map((t) =>
      slack.addMessage(THREADS_CHANNEL, { text: `thread ${t}`, user: 'U1' }),
    );
    const PER_THREAD = 5;
    const RATE_LIMITED = 2;
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 1, times: RATE_LIMITED });
    const started = Date.now();
    const sent: Promise<{ ts: string; text: string; at: number }>[] = [];
    // All at once, interleaved across threads, as concurrent notification jobs would.
    for (let i = 1; i <= PER_THREAD; i++) {
      for (const [t, parent] of parents.entries()) {
        const text = `thread ${t} message ${i}`;
        sent.push(
          poster
            .post({ channel: THREADS_CHANNEL, thread_ts: parent.ts, text })
            .then((r) => ({ ts: r.ts, text, at: Date.now() })),
        );
      }
    }
    const delivered = await Promise.all(sent);

    const rateLimited = slack.callsTo('chat.postMessage').filter((c) => c.outcome === '429').length;
    expect(rateLimited).toBe(RATE_LIMITED);
    // Late: nothing got through before Slack's Retry-After had passed.
    expect(Math.min(...delivered.map((d) => d.at)) - started).toBeGreaterThanOrEqual(1_000);
    let duplicated = 0;
    let lost = 0;
    for (const [t, parent] of parents.entries()) {
      const replies = slack
        .thread(THREADS_CHANNEL, parent.ts)
        .slice(1)
        .map((m) => m.text);
      const expected = Array.from({ length: PER_THREAD }, (_, k) => `thread ${t} message ${k + 1}`);
      expect(replies).toEqual(expected);
      duplicated += replies.length - new Set(replies).size;
      lost += expected.filter((e) => !replies.includes(e)).length;
    }
    printReport({
      test: 'slack-poster-429',
      injected: { status429: rateLimited },
      checked: delivered.length,
      lost,
      duplicated,
      firstDeliveryAfterMs: Math.min(...delivered.map((d) => d.at)) - started,
      lastDeliveryAfterMs: Math.max(...delivered.map((d) => d.at)) - started,
    });
  });

  it('notifications for a real run: 429s and `ratelimited` errors delay them; each message is posted once, in its thread', async () => {
    slack.reset();
    database = await createTestDatabase();
    server = await startModelServer({ port: 0, latencyMs: 5 });
    rig = createRig({
      databaseUrl: database.url,
      redisUrl: SHARED_REDIS_URL,
      db: database.db,
      env: { CANARY_JOB_CHUNK_SIZE: '20' },
    });
    const { problemIds } = await seedPatterns(database.db, { problems: 3, count: 60 });
    const homes = new Map<number, string>();
    for (const id of problemIds) {
      const home = slack.addMessage(PROBLEMS_CHANNEL, { text: `problem ${id}`, user: 'U1' });
      homes.set(id, home.ts);
      await database.db
        .update(problems)
        .set({ homeChannel: PROBLEMS_CHANNEL, homeTs: home.ts })
        .where(eq(problems.id, id));
    }
    const registration = slack.addMessage(MODELS_CHANNEL, {
      text: 'registering sentiment@slack-429',
      user: 'U1',
    });

    // Notifications run in the worker process, with the WebClient built from its own config.
    const worker = await startWorker(
      rig.workerEnv({
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_SIGNING_SECRET: 'signing-secret',
        SLACK_API_URL: slack.url,
        CANARY_MODELS_CHANNEL: MODELS_CHANNEL,
        CANARY_SLACK_RATE_PER_SEC: '20',
      }),
    );

    // Two 429s on the first posts, then one `ratelimited` answered with 200 on an edit (Slack does both).
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 1, times: 2 });
    slack.failNext('chat.update', { error: 'ratelimited' });

    const evaluationId = queuedEvaluationId(
      await registerModel(serviceDeps(database.db, rig.scheduler), {
        name: 'sentiment',
        version: 'slack-429',
        endpoint: { adapter: 'kserve-v2', url: `${server.url}/v2/models/afinn/infer`, options: {} },
        slack: { channel: MODELS_CHANNEL, threadTs: registration.ts },
      }),
    );
    const finished = await waitForFinished(database.db, evaluationId, 60_000);
    expect(finished.status).toBe('done');
    await waitForNotified(database.db, evaluationId, 60_000);

    const ok = (method: string) => slack.callsTo(method).filter((c) => c.outcome === 'ok');
    const status429 = slack.calls.filter((c) => c.outcome === '429').length;
    const ratelimited = slack.calls.filter((c) => c.outcome === 'ratelimited').length;
    expect(status429).toBe(2);
    expect(ratelimited).toBe(1);

    // The run's summary: one message in the registration thread, edited in place to the final result.
    const summaryThread = slack.thread(MODELS_CHANNEL, registration.ts);
    expect(summaryThread[0]?.ts).toBe(registration.ts);
    const summaries = summaryThread.slice(1).filter((m) => (m.text ?? '').includes('sentiment@slack-429'));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]?.text).not.toMatch(/^Evaluating/);
    // One result per problem, in the problem's own thread, after its parent.
    for (const [problemId, ts] of homes) {
      const thread = slack.thread(PROBLEMS_CHANNEL, ts);
      expect(thread[0]?.text).toBe(`problem ${problemId}`);
      const results = thread.slice(1).filter((m) => (m.text ?? '').includes('sentiment@slack-429'));
      expect(results, `problem ${problemId}`).toHaveLength(1);
    }
    const posts = ok('chat.postMessage');
    expect(posts).toHaveLength(1 + homes.size);
    const texts = posts.map(
      (c) => `${String(c.args.channel)}/${String(c.args.thread_ts)}/${String(c.args.text)}`,
    );
    const ledger = await database.db
      .select()
      .from(slackMessages)
      .where(like(slackMessages.key, `eval:${evaluationId}:%`));
    expect(ledger.filter((e) => !e.key.endsWith(':final')).every((e) => e.ts !== null)).toBe(true);

    printReport({
      test: 'slack-notify-429',
      injected: { status429, ratelimited },
      checked: 1 + homes.size,
      lost: 1 + homes.size - new Set(texts).size,
      duplicated: texts.length - new Set(texts).size,
      notifyJobFailuresRetried: worker.logs.filter((l) => l.msg === 'job failed' && l.queue === 'notify')
        .length,
      summaryEdits: ok('chat.update').length,
      ledgerKeys: ledger.length,
    });
  });
});
