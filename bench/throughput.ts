import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { queuedEvaluationId, registerModel } from '../src/services/models.ts';
import { type Aim, aim } from './support/aims.ts';
import {
  type BenchDatabase,
  type Child,
  createProducer,
  freshDatabase,
  type Producer,
  randomPrefix,
  startModelServerProcess,
  startWorkerProcess,
  waitForEvaluation,
} from './support/env.ts';
import { cpuMeter, pidsNamed } from './support/proc.ts';
import { kserveBodies, rawCeiling } from './support/raw-client.ts';
import { casesOf, loadCases, seedPatterns } from './support/seed.ts';
import { cpuUnitMs, ratio, round } from './support/stats.ts';

export interface ThroughputConfig {
  patterns: number;
  latenciesMs: number[];
  concurrency: number;
  /** Batched runs (kserve-v2) at 0 ms latency. */
  batchSizes: number[];
  /** Latency at which 1 and 2 worker processes are compared; null skips the comparison. */
  workerComparisonLatencyMs: number | null;
  dbName: string;
  /** CANARY_WORKER_CONCURRENCY for the worker processes (the deployed default is 4). */
  workerConcurrency?: number;
  timeoutMs?: number;
}

export const THROUGHPUT_FULL: Omit<ThroughputConfig, 'dbName'> = {
  patterns: 10_000,
  latenciesMs: [0, 20],
  concurrency: 32,
  batchSizes: [32, 64],
  workerComparisonLatencyMs: 20,
};

export const THROUGHPUT_QUICK: Omit<ThroughputConfig, 'dbName'> = {
  patterns: 2_000,
  latenciesMs: [0, 20],
  concurrency: 32,
  batchSizes: [64],
  workerComparisonLatencyMs: 20,
};

export interface CanaryRun {
  evaluationId: number;
  ms: number;
  /** Pattern evaluations per second, register → evaluation done. */
  perSec: number;
  status: string;
  errored: number;
  /** Peak RSS of each worker process, MB (/proc/<pid>/status VmHWM). */
  workerPeakMb: number[];
  /** CPU seconds used during the run, per group of processes. */
  cpuSeconds: Record<string, number>;
  /**
   * Worker CPU-seconds per 1,000 results: what the engine itself costs, far steadier than throughput on
   * a shared machine (the neighbours take wall time, not this process's CPU time).
   */
  workerCpuSecPer1k: number | null;
  timeline: Timeline;
}

/** Where the wall time went, from BullMQ's own job timestamps. */
export interface Timeline {
  batches: number;
  /** register → first batch picked up. */
  firstPickupMs: number | null;
  /** first batch picked up → last batch finished. */
  batchPhaseMs: number | null;
  /** last batch finished → evaluation seen done (parent job, finalize, summary). */
  finishTailMs: number | null;
  meanBatchMs: number | null;
  /** Mean adapter time per result (request incl. wait for a concurrency slot), from results.latency_ms. */
  meanResultLatencyMs: number | null;
}

export interface ThroughputScenario {
  name: string;
  adapter: 'kserve-v2';
  latencyMs: number;
  batchSize: number;
  concurrency: number;
  workers: number;
  patterns: number;
  canary: CanaryRun;
  raw: { ms: number; perSec: number; requests: number; errors: number };
  /** concurrency × batch ÷ latency × workers; null at 0 ms (unbounded). */
  idealPerSec: number | null;
  ratioToRaw: number | null;
  ratioToIdeal: number | null;
  perWorkerPerSec: number;
  /**
   * Batched runs only: the same rows written again by a bare postgres.js multi-row insert (500 rows a
   * statement) into a copy of the results table with its indexes, in the same minute. The write path's
   * floor: the engine's worker CPU per 1k results is compared with the client CPU this insert needs.
   */
  bareInsert: BareInsert | null;
  /** Engine worker CPU-s per 1k results ÷ bare insert client CPU-s per 1k rows. */
  workerCpuRatioToBareInsert: number | null;
}

export interface BareInsert {
  rows: number;
  ms: number;
  perSec: number;
  /** This (bench) process, which ran the insert: CPU-s per 1,000 rows. */
  clientCpuSecPer1k: number;
  postgresCpuSecPer1k: number;
}

export interface ThroughputResult {
  config: Omit<ThroughputConfig, 'dbName'>;
  cpuUnitMs: number;
  scenarios: ThroughputScenario[];
  workerScaling: {
    latencyMs: number;
    oneWorkerPerSec: number;
    twoWorkersPerSec: number;
    speedup: number | null;
  } | null;
  peakWorkerMb: number;
  /** Best batched scenario: worker CPU per result ÷ the bare insert's client CPU per row, same run. */
  batchedWorkerCpuRatioToBareInsert: number | null;
  aims: Record<string, Aim>;
}

export async function benchThroughput(cfg: ThroughputConfig): Promise<ThroughputResult> {
  const unit = cpuUnitMs();
  const database = await freshDatabase(cfg.dbName);
  const prefix = randomPrefix();
  const producer = createProducer(database, prefix);
  const scenarios: ThroughputScenario[] = [];
  let workerScaling: ThroughputResult['workerScaling'] = null;
  try {
    const cases = casesOf(loadCases(), cfg.patterns);
    await seedPatterns(database.url, cases);
    const texts = cases.map((c) => c.input);
    let seq = 0;
    for (const latencyMs of cfg.latenciesMs) {
      const server = await startModelServerProcess(latencyMs);
      try {
        const run = async (batchSize: number, workers: number) => {
          const s = await scenario(database, producer, prefix, server, texts, {
            latencyMs,
            batchSize,
            workers,
            concurrency: cfg.concurrency,
            name: `${latencyMs}ms-batch${batchSize}-${workers}w`,
            modelVersion: `v${++seq}`,
            ...(cfg.workerConcurrency ? { workerConcurrency: cfg.workerConcurrency } : {}),
            timeoutMs: cfg.timeoutMs ?? 600_000,
          });
          scenarios.push(s);
          return s;
        };
        const one = await run(1, 1);
        if (latencyMs === 0) for (const b of cfg.batchSizes) await run(b, 1);
        if (cfg.workerComparisonLatencyMs === latencyMs) {
          const two = await run(1, 2);
          workerScaling = {
            latencyMs,
            oneWorkerPerSec: one.canary.perSec,
            twoWorkersPerSec: two.canary.perSec,
            speedup: ratio(two.canary.perSec, one.canary.perSec),
          };
        }
      } finally {
        await server.stop();
      }
    }
  } finally {
    await producer.close();
    await database.drop();
  }
  const peakWorkerMb = Math.max(0, ...scenarios.flatMap((s) => s.canary.workerPeakMb));
  const at20 = scenarios.find((s) => s.latencyMs === 20 && s.batchSize === 1 && s.workers === 1);
  const batched = scenarios.filter((s) => s.latencyMs === 0 && s.batchSize > 1);
  const bestBatched = batched.length ? Math.max(...batched.map((s) => s.perWorkerPerSec)) : null;
  const batchedCpu = batched.map((s) => s.canary.workerCpuSecPer1k).filter((c): c is number => c !== null);
  const bestBatchedCpu = batchedCpu.length ? Math.min(...batchedCpu) : null;
  const bareRatios = batched.map((s) => s.workerCpuRatioToBareInsert).filter((r): r is number => r !== null);
  const { dbName: _dbName, ...config } = cfg;
  return {
    config,
    cpuUnitMs: unit,
    scenarios,
    workerScaling,
    peakWorkerMb,
    batchedWorkerCpuRatioToBareInsert: bareRatios.length ? Math.min(...bareRatios) : null,
    aims: {
      noBatching20msVsRaw: aim(at20?.ratioToRaw ?? null, '>=', 0.9, ' of raw ceiling'),
      batchedPerWorkerPerSec: aim(bestBatched, '>=', 15_000, ' results/s per worker'),
      batchedWorkerCpuSecPer1k: aim(bestBatchedCpu, '<=', 0.07, ' worker CPU-s per 1k results'),
      peakWorkerRssMb: aim(peakWorkerMb > 0 ? peakWorkerMb : null, '<', 300, ' MB'),
      twoWorkerSpeedup: aim(workerScaling?.speedup ?? null, '>=', 1.8, 'x with two processes'),
    },
  };
}

interface ScenarioOptions {
  name: string;
  latencyMs: number;
  batchSize: number;
  workers: number;
  concurrency: number;
  modelVersion: string;
  workerConcurrency?: number;
  timeoutMs: number;
}

async function scenario(
  database: BenchDatabase,
  producer: Producer,
  prefix: string,
  server: Child & { url: string },
  texts: readonly string[],
  o: ScenarioOptions,
): Promise<ThroughputScenario> {
  const inferUrl = `${server.url}/v2/models/afinn/infer`;
  // The ceiling first, in the same minute as the engine run it is compared with.
  const raw = await rawCeiling(inferUrl, kserveBodies(texts, o.batchSize), o.concurrency * o.workers);
  const canary = await canaryRun(database, producer, prefix, server, o, inferUrl);
  const rawPerSec = (texts.length / raw.ms) * 1000;
  const bare = o.batchSize > 1 ? await bareInsert(database, canary.evaluationId) : null;
  const ideal = o.latencyMs > 0 ? ((o.concurrency * o.batchSize) / (o.latencyMs / 1000)) * o.workers : null;
  return {
    name: o.name,
    adapter: 'kserve-v2',
    latencyMs: o.latencyMs,
    batchSize: o.batchSize,
    concurrency: o.concurrency,
    workers: o.workers,
    patterns: texts.length,
    canary,
    raw: { ms: round(raw.ms), perSec: round(rawPerSec), requests: raw.requests, errors: raw.errors },
    idealPerSec: ideal,
    ratioToRaw: ratio(canary.perSec, rawPerSec),
    ratioToIdeal: ratio(canary.perSec, ideal),
    perWorkerPerSec: round(canary.perSec / o.workers),
    bareInsert: bare,
    workerCpuRatioToBareInsert:
      bare && canary.workerCpuSecPer1k !== null
        ? ratio(canary.workerCpuSecPer1k, bare.clientCpuSecPer1k)
        : null,
  };
}

const BARE_ROWS_PER_STATEMENT = 500;

async function bareInsert(database: BenchDatabase, evaluationId: number): Promise<BareInsert> {
  const client = postgres(database.url, { max: 1, onnotice: () => {} });
  try {
    const rows = await client`
      select model_id, pattern_revision_id, pattern_id, problem_id, run, evaluation_id, status, output,
        prediction, reason, latency_ms, attempts
      from results where evaluation_id = ${evaluationId} order by pattern_revision_id, run`;
    await client`drop table if exists bare_results`;
    await client`create table bare_results (like results including defaults including indexes)`;
    const meter = cpuMeter({ postgres: () => pidsNamed('postgres') });
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < rows.length; i += BARE_ROWS_PER_STATEMENT)
      await client`insert into bare_results ${client(rows.slice(i, i + BARE_ROWS_PER_STATEMENT))}`;
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpu0);
    const pg = meter.stop();
    await client`drop table bare_results`;
    const per1k = (seconds: number) => (rows.length > 0 ? round((seconds / rows.length) * 1000, 4) : 0);
    return {
      rows: rows.length,
      ms: round(ms),
      perSec: round((rows.length / ms) * 1000),
      clientCpuSecPer1k: per1k((cpu.user + cpu.system) / 1e6),
      postgresCpuSecPer1k: per1k(pg['postgres'] ?? 0),
    };
  } finally {
    await client.end({ timeout: 5 });
  }
}

async function canaryRun(
  database: BenchDatabase,
  producer: Producer,
  prefix: string,
  server: Child,
  o: ScenarioOptions,
  inferUrl: string,
): Promise<CanaryRun> {
  const workers: Child[] = [];
  try {
    for (let i = 0; i < o.workers; i++) {
      workers.push(
        await startWorkerProcess({
          databaseUrl: database.url,
          prefix,
          ...(o.workerConcurrency ? { concurrency: o.workerConcurrency } : {}),
        }),
      );
    }
    const meter = cpuMeter({
      workers: () => workers.map((w) => w.pid),
      modelServer: () => [server.pid],
      postgres: () => pidsNamed('postgres'),
      redis: () => pidsNamed('redis-server'),
      bench: () => [process.pid],
    });
    const started = Date.now();
    const evaluationId = queuedEvaluationId(
      await registerModel(producer.deps, {
        name: `bench-${o.name}`,
        version: o.modelVersion,
        endpoint: {
          adapter: 'kserve-v2',
          url: inferUrl,
          options: { batchSize: o.batchSize, concurrency: o.concurrency, timeoutMs: 30_000 },
        },
      }),
    );
    const view = await waitForEvaluation(producer.deps, evaluationId, o.timeoutMs);
    const ms = Date.now() - started;
    const cpuSeconds = meter.stop();
    const timeline = await timelineOf(database, producer, evaluationId, started, started + ms);
    return {
      evaluationId,
      ms,
      perSec: round((view.total / ms) * 1000),
      status: view.status,
      errored: view.errored,
      workerPeakMb: workers.map((w) => w.peakMb()),
      cpuSeconds,
      workerCpuSecPer1k:
        view.total > 0 && cpuSeconds['workers'] !== undefined
          ? round((cpuSeconds['workers'] / view.total) * 1000, 3)
          : null,
      timeline,
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

async function timelineOf(
  database: BenchDatabase,
  producer: Producer,
  evaluationId: number,
  startedAt: number,
  doneAt: number,
): Promise<Timeline> {
  const jobs = (await producer.queues.evaluations.getJobs(['completed', 'failed'], 0, -1)).filter(
    (j) =>
      j.name === 'evaluation.batch' && (j.data as { evaluationId?: number }).evaluationId === evaluationId,
  );
  const picked = jobs.map((j) => j.processedOn ?? Number.NaN).filter(Number.isFinite);
  const finished = jobs.map((j) => j.finishedOn ?? Number.NaN).filter(Number.isFinite);
  const durations = jobs.map((j) => (j.finishedOn ?? 0) - (j.processedOn ?? 0)).filter((d) => d > 0);
  const first = picked.length ? Math.min(...picked) : null;
  const last = finished.length ? Math.max(...finished) : null;
  const rows = (await database.db.execute(
    sql`select avg(latency_ms)::float8 as mean from results where evaluation_id = ${evaluationId}`,
  )) as unknown as { mean: number | null }[];
  const latency = rows[0];
  return {
    batches: jobs.length,
    firstPickupMs: first === null ? null : first - startedAt,
    batchPhaseMs: first === null || last === null ? null : last - first,
    finishTailMs: last === null ? null : doneAt - last,
    meanBatchMs: durations.length ? round(durations.reduce((a, b) => a + b, 0) / durations.length) : null,
    meanResultLatencyMs:
      latency?.mean === null || latency?.mean === undefined ? null : round(Number(latency.mean)),
  };
}
