import { randomBytes } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import { Queue, Worker } from 'bullmq';
import { isNotNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChartRenderer } from '../../src/charts/index.ts';
import { digests } from '../../src/db/schema.ts';
import { postDigest, postDigestNow } from '../../src/notify/digest.ts';
import { createNotifyProcessor } from '../../src/notify/processor.ts';
import { scheduleDigest, unscheduleDigest } from '../../src/notify/schedule.ts';
import { createRedis } from '../../src/queue/connection.ts';
import { collectDigest } from '../../src/services/reporting/digest.ts';
import { createSlackPoster } from '../../src/slack/web-api/post.ts';
import { log, seedEvaluation, seedModel, seedPatterns, seedProblem, slackFor } from '../notify/seed.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { type SlackApi, startSlackApi } from '../support/slack-api/index.ts';

const DIGEST = 'C0DIGEST';
const QUIET = 'C0QUIET';
const DAY = 24 * 3600 * 1000;
const REDIS_URL = 'redis://127.0.0.1:6379';
const prefix = `{canary-digest-test-${randomBytes(4).toString('hex')}}`;
const local = createChartRenderer({ renderer: 'local', quickchartUrl: undefined });

let db: TestDatabase;
let quietDb: TestDatabase;
let api: SlackApi;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  [db, quietDb] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  api = await startSlackApi();
  api.addChannel({ id: DIGEST, name: 'canary-digest' });
  api.addChannel({ id: QUIET, name: 'quiet' });
  const old = new Date(Date.now() - 5 * DAY);

  // A day with news: the newest candidate regressed against production and is below its threshold.
  const problem = await seedProblem(db.db, {
    title: 'Sarcasm read as praise',
    threshold: 0.8,
    createdAt: old,
  });
  const pats = await seedPatterns(db.db, problem.id, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'], old);
  const prod = await seedModel(db.db, 'v1', {
    status: 'production',
    registeredAt: new Date(Date.now() - 4 * DAY),
  });
  const cand = await seedModel(db.db, 'v2', { registeredAt: new Date(Date.now() - 3 * DAY) });
  await seedEvaluation(db.db, {
    modelId: prod.id,
    outcomes: pats.map((p) => ({ ...p, problemId: problem.id, pass: true })),
  });
  await seedEvaluation(db.db, {
    modelId: cand.id,
    outcomes: pats.map((p, i) => ({ ...p, problemId: problem.id, pass: i < 2 })),
  });

  // A quiet one: an old problem that production meets, nothing else.
  const calm = await seedProblem(quietDb.db, { title: 'Emoji only', threshold: 0.5, createdAt: old });
  const calmPats = await seedPatterns(quietDb.db, calm.id, ['🙂', '🙁'], old);
  const calmProd = await seedModel(quietDb.db, 'v1', { status: 'production', registeredAt: old });
  await seedEvaluation(quietDb.db, {
    modelId: calmProd.id,
    outcomes: calmPats.map((p) => ({ ...p, problemId: calm.id, pass: true })),
  });
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await api?.close();
  await Promise.all([db?.drop(), quietDb?.drop()]);
});

describe('collectDigest', () => {
  it('reports the regression and the problem below threshold', async () => {
    const now = new Date();
    const digest = await collectDigest({ db: db.db }, { since: new Date(now.getTime() - DAY), now });
    expect(digest.quiet).toBe(false);
    expect(digest.headline).toContain('1 regression');
    expect(digest.headline).toContain('1 problem below threshold');
    expect(digest.sections.map((s) => s.title)).toEqual(
      expect.arrayContaining(['Regressions', 'Below threshold', 'Awaiting sign-off']),
    );
  });
});

describe('postDigest', () => {
  it('says a quiet day in one line', async () => {
    const deps = { db: quietDb.db, log, now: () => new Date(), charts: local };
    const result = await postDigestNow({ deps, slack: slackFor(api), channel: QUIET });
    expect(result.posted).toBe(true);
    const messages = api.messages(QUIET);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.text).toMatch(/^Quiet day: no new problems, flags or regressions since /);
    expect(messages[0]?.blocks).toHaveLength(1);
    expect(api.thread(QUIET, messages[0]!.ts)).toHaveLength(1);
    // Pressed again within the minute: the same tick, nothing new.
    expect(await postDigestNow({ deps, slack: slackFor(api), channel: QUIET })).toEqual({
      posted: false,
      reason: 'already_posted',
    });
    expect(api.messages(QUIET)).toHaveLength(1);
  });

  it('gives the tick back when Slack fails, so the retried job posts it', async () => {
    const deps = { db: quietDb.db, log, now: () => new Date(), charts: local };
    api.failNext('chat.postMessage', { error: 'internal_error' });
    await expect(
      postDigest({ deps, slack: slackFor(api), channel: QUIET, tick: 'retry-1' }),
    ).rejects.toThrow();
    const again = await postDigest({ deps, slack: slackFor(api), channel: QUIET, tick: 'retry-1' });
    expect(again.posted).toBe(true);
    expect(api.messages(QUIET)).toHaveLength(2);
  });

  it('posts one digest per tick with two workers on the queue, chart 1 in its thread', async () => {
    const producer = createRedis(REDIS_URL, 'producer');
    const queue = new Queue('notify', { connection: producer, prefix });
    closers.push(async () => {
      await queue.obliterate({ force: true });
      await queue.close();
      await producer.quit();
    });
    const makeWorker = () => {
      const connection = createRedis(REDIS_URL, 'worker');
      const processor = createNotifyProcessor({
        db: db.db,
        log,
        now: () => new Date(),
        slack: slackFor(api),
        charts: local,
        digestChannel: DIGEST,
      });
      const worker = new Worker('notify', processor, { connection, prefix, concurrency: 2 });
      closers.push(async () => {
        await worker.close();
        await connection.quit();
      });
      return worker;
    };
    const workers = [makeWorker(), makeWorker()];
    let completed = 0;
    const failures: string[] = [];
    for (const w of workers) {
      w.on('completed', () => {
        completed++;
      });
      w.on('failed', (_job, err) => failures.push(err.message));
    }
    await Promise.all(workers.map((w) => w.waitUntilReady()));

    // Every second, so the test sees several ticks; two identical ticks added by hand on top.
    await scheduleDigest(queue, { cron: '* * * * * *', tz: 'UTC', channel: DIGEST });
    await scheduleDigest(queue, { cron: '* * * * * *', tz: 'UTC', channel: DIGEST });
    await queue.add('digest.tick', { tick: 'manual-1' }, { jobId: 'manual-a' });
    await queue.add('digest.tick', { tick: 'manual-1' }, { jobId: 'manual-b' });
    await api.waitFor(async () => {
      const rows = await db.db.select().from(digests).where(isNotNull(digests.ts));
      return rows.length >= 4 && completed >= 4;
    }, 20_000);
    await unscheduleDigest(queue);
    await api.waitFor(
      async () => (await queue.getActiveCount()) === 0 && (await queue.getWaitingCount()) === 0,
      10_000,
    );

    const rows = await db.db.select().from(digests);
    const posted = rows.filter((r) => r.ts !== null);
    const top = api.messages(DIGEST);
    expect(failures).toEqual([]);
    expect(top).toHaveLength(posted.length);
    expect(new Set(top.map((m) => m.ts)).size).toBe(top.length);
    expect(posted.filter((r) => r.tick === 'manual-1')).toHaveLength(1);
    expect(api.callsTo('chat.postMessage').filter((c) => c.args.channel === DIGEST)).toHaveLength(
      posted.length,
    );
    for (const message of top) {
      expect(message.text).toContain('Canary digest: Since');
      const thread = api.thread(DIGEST, message.ts);
      expect(thread.filter((m) => m.files)).toHaveLength(1);
    }
  });

  it('at one message a second, a worker still shares the chart in the digest thread right after the digest', async () => {
    const CHANNEL = 'C0PACED';
    api.addChannel({ id: CHANNEL, name: 'paced-digest' });
    const paced = `${prefix}-paced`;
    const producer = createRedis(REDIS_URL, 'producer');
    const connection = createRedis(REDIS_URL, 'worker');
    const queue = new Queue('notify', { connection: producer, prefix: paced });
    const client = new WebClient(api.botToken, {
      slackApiUrl: api.url,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    const processor = createNotifyProcessor({
      db: db.db,
      log,
      now: () => new Date(),
      slack: createSlackPoster(client, { ratePerSecond: 1 }),
      charts: local,
      digestChannel: CHANNEL,
    });
    const worker = new Worker('notify', processor, { connection, prefix: paced });
    closers.push(async () => {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
      await Promise.all([producer.quit(), connection.quit()]);
    });
    await queue.add('digest.tick', { tick: 'paced-1' }, { jobId: 'paced-1' });
    const [digest] = await api.waitFor(() => {
      const top = api.messages(CHANNEL);
      return top.length === 1 && api.thread(CHANNEL, top[0]!.ts).some((m) => m.files) ? top : undefined;
    }, 20_000);
    expect(api.thread(CHANNEL, digest!.ts).filter((m) => m.files)).toHaveLength(1);
  });

  it('derives the tick from when a scheduled job was due', async () => {
    const { tickOf } = await import('../../src/notify/processor.ts');
    const due = Date.UTC(2026, 10, 26, 9, 0, 0);
    expect(tickOf({ opts: { prevMillis: due }, timestamp: due - 5, delay: 5 } as never)).toBe(
      '2026-11-26T09:00Z',
    );
  });
});

describe('postDigest after posting', () => {
  it('never posts twice when a step after posting fails: the chart upload is given up, not the digest', async () => {
    const deps = { db: db.db, log, now: () => new Date(), charts: local };
    api.addChannel({ id: 'C0AFTER', name: 'after-post' });
    api.failNext('files.getUploadURLExternal', { error: 'internal_error', times: 1 });
    const first = await postDigest({ deps, slack: slackFor(api), channel: 'C0AFTER', tick: 'after-post-1' });
    expect(first.posted).toBe(true);
    const again = await postDigest({ deps, slack: slackFor(api), channel: 'C0AFTER', tick: 'after-post-1' });
    expect(again).toEqual({ posted: false, reason: 'already_posted' });
    expect(api.messages('C0AFTER')).toHaveLength(1);
  });
});
