/**
 * One throughput scenario, for judging one change: `LAT=0 BATCH=64 N=10000 WORKERS=1 REPS=3 npx tsx bench/one.ts`
 * prints, per run, wall time, the BullMQ job timeline and CPU-seconds per process group (workers, model server,
 * Postgres, Redis, this process). Each run registers a new model version against the same seeded patterns.
 */
import { queuedEvaluationId, registerModel } from '../src/services/models.ts';
import {
  createProducer,
  freshDatabase,
  randomPrefix,
  startModelServerProcess,
  startWorkerProcess,
  waitForEvaluation,
} from './support/env.ts';
import { cpuMeter, pidsNamed } from './support/proc.ts';
import { casesOf, loadCases, seedPatterns } from './support/seed.ts';

const LAT = Number(process.env.LAT ?? 0),
  BATCH = Number(process.env.BATCH ?? 64),
  N = Number(process.env.N ?? 10000),
  W = Number(process.env.WORKERS ?? 1),
  REPS = Number(process.env.REPS ?? 1);
const database = await freshDatabase('canary_one');
if (process.env.PGLOG)
  await database.db.execute(
    (await import('drizzle-orm')).sql.raw(`alter database canary_one set log_min_duration_statement = 0`),
  );
const prefix = randomPrefix();
const producer = createProducer(database, prefix);
await seedPatterns(database.url, casesOf(loadCases(), N));
const server = await startModelServerProcess(LAT);
const workers: Awaited<ReturnType<typeof startWorkerProcess>>[] = [];
for (let i = 0; i < W; i++) workers.push(await startWorkerProcess({ databaseUrl: database.url, prefix }));
await new Promise((r) => setTimeout(r, 1500));
for (let rep = 0; rep < REPS; rep++) {
  const meter = cpuMeter({
    workers: () => workers.map((w) => w.pid),
    modelServer: () => [server.pid],
    postgres: () => pidsNamed('postgres'),
    redis: () => pidsNamed('redis-server'),
    bench: () => [process.pid],
  });
  const t0 = Date.now();
  const id = queuedEvaluationId(
    await registerModel(producer.deps, {
      name: 'one',
      version: `v${rep}`,
      endpoint: {
        adapter: 'kserve-v2',
        url: `${server.url}/v2/models/afinn/infer`,
        options: { batchSize: BATCH, concurrency: 32, timeoutMs: 30000 },
      },
    }),
  );
  const view = await waitForEvaluation(producer.deps, id, 600000);
  const ms = Date.now() - t0;
  const cpu = meter.stop();
  const jobs = (await producer.queues.evaluations.getJobs(['completed', 'failed'], 0, -1)).filter(
    (j) => (j.data as { evaluationId?: number }).evaluationId === id,
  );
  const batches = jobs.filter((j) => j.name === 'evaluation.batch');
  const parent = jobs.find((j) => j.name === 'evaluation.run');
  const rel = (x: number | undefined) => (x === undefined ? null : x - t0);
  const timeline = {
    firstPickup: rel(Math.min(...batches.map((j) => j.processedOn ?? Number.POSITIVE_INFINITY))),
    lastBatchDone: rel(Math.max(...batches.map((j) => j.finishedOn ?? 0))),
    parentStart: rel(parent?.processedOn),
    parentDone: rel(parent?.finishedOn),
    meanBatchMs: Math.round(
      batches.reduce((a, j) => a + ((j.finishedOn ?? 0) - (j.processedOn ?? 0)), 0) / batches.length,
    ),
  };
  console.log(
    JSON.stringify({
      rep,
      ms,
      timeline,
      perSec: Math.round((view.total / ms) * 1000),
      status: view.status,
      errored: view.errored,
      cpu,
      workerCpuPer1k: +(((cpu['workers'] ?? 0) / view.total) * 1000).toFixed(3),
      pgCpuPer1k: +(((cpu['postgres'] ?? 0) / view.total) * 1000).toFixed(3),
    }),
  );
}
await Promise.all(workers.map((w) => w.stop()));
await server.stop();
await producer.close();
await database.drop();
process.exit(0);
