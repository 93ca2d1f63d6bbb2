import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { startWorkers } from '../src/queue/workers.ts';
import { queuedEvaluationId, registerModel } from '../src/services/models.ts';
import { createSlackApp, SLACK_EVENTS_PATH } from '../src/slack/app.ts';
import { startSlackApi } from '../test/support/slack-api/index.ts';
import { sendCommand } from '../test/support/slack-requests.ts';
import {
  type Child,
  createProducer,
  freshDatabase,
  REDIS_URL,
  randomPrefix,
  startModelServerProcess,
  startWorkerProcess,
  waitForEvaluation,
} from './support/env.ts';
import { casesOf, loadCases, seedPatterns } from './support/seed.ts';
import { cpuUnitMs, percentile, ratio, round } from './support/stats.ts';

export type WorkerPlacement = 'process' | 'in-process';

export interface SlackBenchConfig {
  commands: number;
  baselineCommands: number;
  patterns: number;
  latencyMs: number;
  /** Where the evaluation runs: a separate worker process, or inside the Bolt process (CANARY_WORKERS=1). */
  placements: WorkerPlacement[];
  command: { name: string; text: string };
  dbName: string;
}

export const SLACK_FULL: Omit<SlackBenchConfig, 'dbName'> = {
  commands: 1_000,
  baselineCommands: 200,
  patterns: 10_000,
  latencyMs: 20,
  placements: ['process', 'in-process'],
  command: { name: '/problem', text: 'list' },
};
export const SLACK_QUICK: Omit<SlackBenchConfig, 'dbName'> = {
  ...SLACK_FULL,
  commands: 300,
  baselineCommands: 100,
  patterns: 3_000,
  placements: ['process'],
};

const CHANNEL = 'C0BENCH';
const USER = 'U0BENCH';

export interface AckStats {
  n: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non200: number;
}

export interface SlackLoadRun {
  placement: WorkerPlacement;
  underLoad: AckStats;
  /** Commands sent while an evaluation was running (the loop re-registers a model when one finishes). */
  sentDuringEvaluation: number;
  evaluationsCompleted: number;
  p99RatioToBaseline: number | null;
}

export interface SlackBenchResult {
  command: string;
  cpuUnitMs: number;
  baseline: AckStats;
  runs: SlackLoadRun[];
  aims: Record<string, { value: number | null; aim: string; met: boolean }>;
}

function stats(samples: number[], non200: number): AckStats {
  return {
    n: samples.length,
    p50Ms: percentile(samples, 0.5),
    p99Ms: percentile(samples, 0.99),
    maxMs: round(Math.max(...samples)),
    non200,
  };
}

export async function benchSlack(cfg: SlackBenchConfig): Promise<SlackBenchResult> {
  const unit = cpuUnitMs();
  const database = await freshDatabase(cfg.dbName);
  const prefix = randomPrefix();
  const producer = createProducer(database, prefix);
  const api = await startSlackApi();
  api.addChannel({ id: CHANNEL, name: 'ml-problems', members: [USER] });
  api.addUser({ id: USER });
  const secret = `bench-${randomBytes(8).toString('hex')}`;
  const log = pino({ level: 'warn' });
  const slack = createSlackApp({
    config: {
      slack: {
        botToken: api.botToken,
        signingSecret: secret,
        appToken: undefined,
        apiUrl: api.url,
        teamIds: [],
        appId: undefined,
        flagEmoji: 'triangular_flag_on_post',
        signers: [],
        admins: [],
        modelsChannel: undefined,
        ratePerSecond: 1_000,
      },
    },
    deps: producer.deps,
    log,
  });
  const server: Server = createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://x').pathname === SLACK_EVENTS_PATH)
      return slack.requestListener(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${SLACK_EVENTS_PATH}`;
  const modelServer = await startModelServerProcess(cfg.latencyMs);

  const send = async (n: number, during?: () => boolean) => {
    const samples: number[] = [];
    let non200 = 0;
    let duringCount = 0;
    for (let i = 0; i < n; i++) {
      const busy = during?.() ?? false;
      const start = performance.now();
      const res = await sendCommand(url, secret, {
        command: cfg.command.name,
        text: cfg.command.text,
        user_id: USER,
        channel_id: CHANNEL,
      });
      samples.push(performance.now() - start);
      if (res.status !== 200) non200++;
      if (busy) duringCount++;
    }
    return { stats: stats(samples, non200), duringCount };
  };

  const runs: SlackLoadRun[] = [];
  let baseline: AckStats | undefined;
  let seq = 0;
  try {
    await seedPatterns(database.url, casesOf(loadCases(), cfg.patterns));
    // Warm-up: Bolt, the database pool and undici's connection are set up before anything is timed.
    await send(20);
    baseline = (await send(cfg.baselineCommands)).stats;
    for (const placement of cfg.placements) {
      let worker: Child | undefined;
      let inProcess: Awaited<ReturnType<typeof startWorkers>> | undefined;
      if (placement === 'process') worker = await startWorkerProcess({ databaseUrl: database.url, prefix });
      else {
        const config = loadConfig({
          REDIS_URL,
          CANARY_QUEUE_PREFIX: prefix,
          LOG_LEVEL: 'warn',
          CANARY_ENDPOINT_ALLOWLIST: '127.0.0.1',
        });
        inProcess = await startWorkers({ config, db: database.db, log, secrets: {} });
      }
      let stop = false;
      let running = false;
      let completed = 0;
      const loop = (async () => {
        while (!stop) {
          const evaluationId = queuedEvaluationId(
            await registerModel(producer.deps, {
              name: 'slack-load',
              version: `v${++seq}`,
              endpoint: {
                adapter: 'kserve-v2',
                url: `${modelServer.url}/v2/models/afinn/infer`,
                options: { batchSize: 1, concurrency: 32 },
              },
            }),
          );
          running = true;
          await waitForEvaluation(producer.deps, evaluationId, 600_000);
          running = false;
          completed++;
        }
      })();
      try {
        // Ack timing starts once the first evaluation is under way.
        const deadline = Date.now() + 30_000;
        while (!running && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        const load = await send(cfg.commands, () => running);
        runs.push({
          placement,
          underLoad: load.stats,
          sentDuringEvaluation: load.duringCount,
          evaluationsCompleted: completed,
          p99RatioToBaseline: ratio(load.stats.p99Ms, baseline.p99Ms),
        });
      } finally {
        stop = true;
        await loop;
        await worker?.stop();
        await inProcess?.close();
      }
    }
  } finally {
    await modelServer.stop();
    const closed = new Promise<void>((r) => server.close(() => r()));
    server.closeAllConnections();
    await closed;
    await api.close();
    await producer.close();
    await database.drop();
  }
  const worstP99 = runs.length ? Math.max(...runs.map((r) => r.underLoad.p99Ms)) : null;
  return {
    command: `${cfg.command.name} ${cfg.command.text}`,
    cpuUnitMs: unit,
    baseline: baseline as AckStats,
    runs,
    aims: { ackP99UnderLoad: { value: worstP99, aim: '< 100 ms', met: worstP99 !== null && worstP99 < 100 } },
  };
}
