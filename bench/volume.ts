import { performance } from 'node:perf_hooks';
import { WebClient } from '@slack/web-api';
import pino from 'pino';
import { notifyJobs, serviceDeps, slackPoster } from '../src/compose.ts';
import { loadConfig } from '../src/config.ts';
import { getEvaluationRow } from '../src/db/queries/evaluations.ts';
import { evaluations, models, problems } from '../src/db/schema.ts';
import { createApi } from '../src/http/api.ts';
import { createQueues } from '../src/queue/queues.ts';
import { createScheduler } from '../src/queue/transport.ts';
import { startWorkers } from '../src/queue/workers.ts';
import { startSlackApi } from '../test/support/slack-api/index.ts';
import { freshDatabase, REDIS_URL, randomPrefix, startModelServerProcess } from './support/env.ts';
import { cpuUnitMs, percentile, round, waitFor } from './support/stats.ts';

/**
 * Volume: 20 problems with home threads, 3 registered models, and one import of 10,000 patterns through the REST
 * API, with the real workers, notify processor, paced poster and the Slack Web API double. Measured: time to answer
 * the import; /healthz latency meanwhile; Slack calls in total and messages per problem thread; time until every
 * back-fill result is in Slack; and, during the import's notifications, how long an unrelated evaluation's final
 * summary takes to appear in the models channel after its run ends.
 */
export interface VolumeConfig {
  problems: number;
  models: number;
  patterns: number;
  /** A second, larger import once the first is in Slack: answered without a 500, /healthz fast meanwhile. */
  largeImport: number;
  dbName: string;
}
export const VOLUME_FULL: Omit<VolumeConfig, 'dbName'> = {
  problems: 20,
  models: 3,
  patterns: 10_000,
  largeImport: 50_000,
};
export const VOLUME_QUICK: Omit<VolumeConfig, 'dbName'> = {
  problems: 5,
  models: 2,
  patterns: 2_000,
  largeImport: 10_000,
};

const HOME = 'C0VOLHOME';
const MODELS = 'C0VOLMODELS';
const TOKEN = 'bench-token';

export async function benchVolume(cfg: VolumeConfig) {
  const unit = cpuUnitMs();
  const slack = await startSlackApi();
  slack.addChannel({ id: HOME, name: 'ml-problems' });
  slack.addChannel({ id: MODELS, name: 'ml-models' });
  const database = await freshDatabase(`${cfg.dbName}_volume`);
  const server = await startModelServerProcess(0);
  const prefix = randomPrefix();
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: database.url,
    REDIS_URL,
    CANARY_QUEUE_PREFIX: prefix,
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: 'bench',
    SLACK_API_URL: slack.url,
    CANARY_MODELS_CHANNEL: MODELS,
    CANARY_CHART_RENDERER: 'quickchart',
    QUICKCHART_URL: 'http://quickchart.invalid',
    CANARY_API_TOKENS: TOKEN,
  });
  const log = pino({ level: 'warn' });
  const queues = createQueues(config);
  const scheduler = createScheduler({ db: database.db, queues, config, log });
  const deps = serviceDeps(config, { db: database.db, log, scheduler });
  const workers = await startWorkers({
    config,
    db: database.db,
    log,
    secrets: {},
    queues,
    notify: notifyJobs(config, { deps, slack: slackPoster(config, log) }),
  });
  const api = createApi({ ...deps, tokens: [TOKEN], ping: async () => ({ ok: true }) as never });
  try {
    // Problem cards posted by the bot, so they can be edited; one extra problem, without a thread, for the
    // unrelated evaluation.
    const client = new WebClient(slack.botToken, { slackApiUrl: slack.url });
    const homes: { id: number; key: string; ts: string }[] = [];
    for (let i = 0; i < cfg.problems; i++) {
      const ts = String((await client.chat.postMessage({ channel: HOME, text: `card ${i}` })).ts);
      const [row] = await database.db
        .insert(problems)
        .values({ title: `Volume problem ${i}`, homeChannel: HOME, homeTs: ts })
        .returning();
      homes.push({ id: row!.id, key: row!.key, ts });
    }
    const [side] = await database.db.insert(problems).values({ title: 'Unrelated problem' }).returning();
    const endpoint = (name: string, version: string) => ({
      name,
      version,
      adapter: 'kserve-v2' as const,
      url: `${server.url}/v2/models/afinn/infer`,
      endpointOptions: { retries: 0 },
    });
    const modelIds: number[] = [];
    for (let i = 0; i < cfg.models; i++) {
      const [m] = await database.db
        .insert(models)
        .values(endpoint('volume', `v${i + 1}`))
        .returning();
      modelIds.push(m!.id);
    }
    // The unrelated run: a model whose evaluation of another problem ends while the import is being announced.
    const sideDrafts = Array.from({ length: 20 }, (_, i) => draft(side!.key, `unrelated ${i}`));
    const [unrelated] = await database.db
      .insert(models)
      .values({ ...endpoint('unrelated', 'v1'), status: 'retired' })
      .returning();
    await api.request('/api/v1/patterns', post(sideDrafts));
    await waitFor(async () => (slack.calls.length > 0 ? true : undefined), 5_000, 'warm-up');
    await new Promise((r) => setTimeout(r, 1_000));

    const callsBefore = slack.calls.length;
    const body = drafts(homes, cfg.patterns, 'pattern');
    const t0 = performance.now();
    const t0Wall = Date.now();
    const { res, health } = await whileProbingHealth(api, async () =>
      api.request('/api/v1/patterns', post(body)),
    );
    const answerMs = performance.now() - t0;
    const answer = (await res.json()) as { created: number; sent: number };
    if (res.status !== 201)
      throw new Error(`import answered ${res.status}: ${JSON.stringify(answer).slice(0, 300)}`);

    // The unrelated evaluation runs now, while the import's back-fills and their messages are going out.
    const { evaluationId } = await scheduler.evaluateModel({
      modelId: unrelated!.id,
      trigger: 'manual',
      problemId: side!.id,
      onlyMissing: false,
    });
    const finishedAt = await waitFor(
      async () => (await getEvaluationRow(deps.db, evaluationId))?.finishedAt ?? undefined,
      300_000,
      'unrelated evaluation',
    ).catch(async () => null);
    const summaryCall = await waitFor(
      async () =>
        slack.calls.find(
          (c) =>
            c.args.channel === MODELS &&
            c.outcome === 'ok' &&
            /^unrelated@v1 (passes the gate|fails the gate|evaluated)/.test(String(c.args.text)),
        ),
      300_000,
      'unrelated summary',
    );
    const backfilledAt = await waitFor(
      async () => {
        const done = homes.every((p) =>
          slack
            .thread(HOME, p.ts)
            .slice(1)
            .some((m) => String(m.text).includes(`back-filled on ${cfg.models} models`)),
        );
        return done ? performance.now() : undefined;
      },
      900_000,
      'every back-fill result in Slack',
      100,
    );
    // When the last back-fill run ended: the rest of allBackfillsInSlackMs is Slack's pace (one channel holds every thread).
    const runs = await database.db
      .select({ trigger: evaluations.trigger, finishedAt: evaluations.finishedAt })
      .from(evaluations);
    const lastBackfillEnd = Math.max(
      ...runs.filter((r) => r.trigger === 'backfill').map((r) => r.finishedAt?.getTime() ?? Number.NaN),
    );
    const perThread = homes.map((p) => slack.thread(HOME, p.ts).length - 1);
    const calls = slack.calls.slice(callsBefore);

    // The larger import, while the workers are still idle from the first: only its answer is waited for.
    const large = drafts(homes, cfg.largeImport, 'large');
    const t1 = performance.now();
    const largeRun = await whileProbingHealth(api, async () => api.request('/api/v1/patterns', post(large)));
    const largeAnswerMs = performance.now() - t1;
    const largeAnswer = (await largeRun.res.json()) as { created?: number };
    const summaryDelayMs = finishedAt ? summaryCall.at.getTime() - finishedAt.getTime() : null;
    return {
      config: cfg,
      cpuUnitMs: unit,
      importAnswerMs: round(answerMs),
      importAnswerRatioToCpuUnit: round(answerMs / unit),
      created: answer.created,
      healthz: healthFigures(health),
      slackCalls: {
        total: calls.length,
        byMethod: Object.fromEntries(
          [...new Set(calls.map((c) => c.method))].map((m) => [
            m,
            calls.filter((c) => c.method === m).length,
          ]),
        ),
      },
      messagesPerThread: { max: Math.max(...perThread), min: Math.min(...perThread) },
      largeImport: {
        patterns: cfg.largeImport,
        status: largeRun.res.status,
        created: largeAnswer.created ?? null,
        answerMs: round(largeAnswerMs),
        healthz: healthFigures(largeRun.health),
      },
      allBackfillsInSlackMs: round(backfilledAt - t0),
      backfillRunsEndedMs: Number.isFinite(lastBackfillEnd) ? lastBackfillEnd - t0Wall : null,
      unrelatedSummaryDelayMs: summaryDelayMs,
      aims: {
        answerMs: { value: round(answerMs), aim: '< 5000', met: answerMs < 5_000 },
        messagesPerThread: { value: Math.max(...perThread), aim: '<= 2', met: Math.max(...perThread) <= 2 },
        unrelatedSummaryDelayMs: {
          value: summaryDelayMs,
          aim: '< 5000',
          met: summaryDelayMs !== null && summaryDelayMs < 5_000,
        },
        largeImportStatus: { value: largeRun.res.status, aim: '201', met: largeRun.res.status === 201 },
      },
    };
  } finally {
    await workers.close();
    await Promise.allSettled([
      queues.evaluations.obliterate({ force: true }),
      queues.notify.obliterate({ force: true }),
    ]);
    await queues.close();
    await server.stop();
    await database.drop();
    await slack.close();
  }
}

/** `n` drafts spread over the home problems, each input unique within the run. */
function drafts(homes: readonly { key: string }[], n: number, label: string) {
  return Array.from({ length: n }, (_, i) =>
    draft((homes[i % homes.length] as { key: string }).key, `${label} ${i}: not ${i % 2 ? 'good' : 'bad'}`),
  );
}

/** Runs `task` while /healthz is asked every 50 ms, in the same event loop, so a blocking answer shows. */
async function whileProbingHealth<T>(
  api: { request: (path: string) => unknown },
  task: () => Promise<T>,
): Promise<{ res: T; health: number[] }> {
  const health: number[] = [];
  let running = true;
  const probe = (async () => {
    while (running) {
      const t = performance.now();
      await api.request('/healthz');
      health.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    return { res: await task(), health };
  } finally {
    running = false;
    await probe;
  }
}

function healthFigures(health: readonly number[]) {
  return {
    n: health.length,
    p50Ms: round(percentile(health, 0.5)),
    maxMs: round(Math.max(...health, 0)),
  };
}

function draft(problem: string, text: string) {
  return { problem, input: { text }, expect: { label: 'negative' }, polarity: 'positive', source: 'import' };
}

function post(body: unknown): RequestInit {
  return {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}
