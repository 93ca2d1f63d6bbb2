import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getEvaluationRow } from '../../src/db/queries/evaluations.ts';
import { results } from '../../src/db/schema.ts';
import {
  createHarness,
  type Harness,
  REDIS_URL,
  resultsOf,
  seedModel,
  seedPattern,
  seedProblem,
  waitFor,
  waitForEvaluation,
} from '../queue/harness.ts';

/** Real `npm run worker` processes against the test database and a private queue prefix. */
interface WorkerProcess {
  child: ChildProcess;
  /** Batches this process recorded, from its own debug log. */
  batches(): number;
  output(): string;
}

const PATTERNS = 16;
let h: Harness;
let problemId: number;
const running: WorkerProcess[] = [];

function spawnWorker(): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/evaluation.ts'], {
    cwd: process.cwd(),
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'debug',
      DATABASE_URL: h.database.url,
      REDIS_URL,
      CANARY_QUEUE_PREFIX: h.prefix,
      CANARY_STALLED_INTERVAL_MS: '1000',
      CANARY_ENDPOINT_ALLOWLIST: '127.0.0.1',
      CANARY_JOB_CHUNK_SIZE: String(h.config.workers.chunkSize),
      CANARY_WORKER_CONCURRENCY: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const proc: WorkerProcess = {
    child,
    batches: () => out.split('\n').filter((l) => l.includes('"evaluation batch recorded"')).length,
    output: () => out,
  };
  running.push(proc);
  return waitFor(async () => (out.includes('"workers started"') ? proc : undefined), {
    timeoutMs: 20_000,
    what: `worker process to start (output so far: ${out.slice(-500)})`,
  });
}

async function stop(proc: WorkerProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.child.exitCode;
  const exited = once(proc.child, 'exit');
  proc.child.kill(signal);
  const [code] = (await exited) as [number | null];
  return code;
}

async function duplicates(modelId: number): Promise<number> {
  const rows = await h.db
    .select({ n: sql<number>`count(*)::int` })
    .from(results)
    .where(sql`${results.modelId} = ${modelId}`)
    .groupBy(results.patternRevisionId, results.run)
    .having(sql`count(*) > 1`);
  return rows.length;
}

async function waitForProgress(evaluationId: number, atLeast: number) {
  return waitFor(
    async () => {
      const row = await getEvaluationRow(h.db, evaluationId);
      return row && row.doneCount >= atLeast ? row : undefined;
    },
    { timeoutMs: 30_000, what: `evaluation ${evaluationId} to reach ${atLeast} results` },
  );
}

beforeAll(async () => {
  // No in-process workers: only the child processes take jobs. Slow answers keep a run in progress.
  h = await createHarness({ workers: false, latencyMs: 300 });
  problemId = await seedProblem(h.db, 'Crash safety');
  for (let i = 0; i < PATTERNS; i++) {
    await seedPattern(h.db, problemId, `pattern ${i}: this is ${i % 2 ? 'great' : 'terrible'}`, {
      label: i % 2 ? 'positive' : 'negative',
    });
  }
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => stop(p, 'SIGKILL')));
});

afterAll(async () => {
  await h?.close();
});

describe('worker processes', () => {
  it('a worker killed with SIGKILL mid-run is replaced and the run completes without duplicates', async () => {
    const modelId = await seedModel(h.db, h.server, { repeats: 2 });
    const first = await spawnWorker();
    const { evaluationId } = await h.scheduler.evaluateModel({ modelId, trigger: 'register' });
    const total = PATTERNS * 2;
    const midway = await waitForProgress(evaluationId, 2);
    expect(midway.doneCount).toBeLessThan(total);
    // Kill it while it holds a batch, so that batch has to be noticed as stalled and run again.
    await waitFor(async () => (await h.queues.evaluations.getActiveCount()) > 0, {
      what: 'a batch in flight',
    });
    await stop(first, 'SIGKILL');

    const second = await spawnWorker();
    const row = await waitForEvaluation(h.db, evaluationId, 60_000);
    expect(second.output()).toContain('"job stalled; handed to another worker"');
    expect(row).toMatchObject({ status: 'done', total, doneCount: total });
    expect(await resultsOf(h.db, modelId)).toHaveLength(total);
    expect(await duplicates(modelId)).toBe(0);
  }, 90_000);

  it('two worker processes share one evaluation without duplicates', async () => {
    const modelId = await seedModel(h.db, h.server);
    const [a, b] = await Promise.all([spawnWorker(), spawnWorker()]);
    const { evaluationId } = await h.scheduler.evaluateModel({ modelId, trigger: 'register' });
    const row = await waitForEvaluation(h.db, evaluationId, 60_000);
    expect(row).toMatchObject({ status: 'done', total: PATTERNS, doneCount: PATTERNS });
    expect(await resultsOf(h.db, modelId)).toHaveLength(PATTERNS);
    expect(await duplicates(modelId)).toBe(0);
    expect(a.batches()).toBeGreaterThan(0);
    expect(b.batches()).toBeGreaterThan(0);
    expect(a.batches() + b.batches()).toBe(Math.ceil(PATTERNS / h.config.workers.chunkSize));
  }, 90_000);

  it('SIGTERM lets the batch in flight finish, then exits cleanly', async () => {
    const modelId = await seedModel(h.db, h.server);
    const proc = await spawnWorker();
    const { evaluationId } = await h.scheduler.evaluateModel({ modelId, trigger: 'register' });
    await waitFor(async () => (await h.queues.evaluations.getActiveCount()) > 0, {
      what: 'a batch in flight',
    });
    const code = await stop(proc, 'SIGTERM');
    expect(code).toBe(0);
    expect(proc.output()).toContain('"workers stopped"');
    // Nothing was left half-done: no job is active, and what was recorded is whole batches.
    expect(await h.queues.evaluations.getActiveCount()).toBe(0);
    const row = await getEvaluationRow(h.db, evaluationId);
    expect(row!.doneCount).toBeGreaterThan(0);
    expect(row!.doneCount % h.config.workers.chunkSize).toBe(0);
    await spawnWorker();
    const done = await waitForEvaluation(h.db, evaluationId, 60_000);
    expect(done.doneCount).toBe(PATTERNS);
  }, 90_000);
});
