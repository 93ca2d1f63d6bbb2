import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import postgres from 'postgres';
import { childEnvironment, loadConfig } from '../../src/config.ts';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { getEvaluationRow } from '../../src/db/queries/evaluations.ts';
import { createQueues, type Queues } from '../../src/queue/queues.ts';
import { createScheduler } from '../../src/queue/transport.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import { getEvaluation } from '../../src/services/evaluation/results.ts';
import { ADMIN_URL, urlFor } from '../../test/support/db.ts';
import { memoryOf } from './proc.ts';
import { waitFor } from './stats.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const REDIS_URL = 'redis://127.0.0.1:6379';

/** The environment children start from: this process' own, as config.ts hands it out. */
function inherited(): Record<string, string | undefined> {
  return childEnvironment();
}

export interface BenchDatabase extends Database {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Drops and recreates the named database, then migrates it. */
export async function freshDatabase(name: string, maxConnections = 10): Promise<BenchDatabase> {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = urlFor(name);
  const database = await openDatabase({ databaseUrl: url, dataDir: 'memory://', maxConnections });
  await database.migrate();
  return {
    ...database,
    url,
    name,
    async drop() {
      await database.close();
      const a = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
      try {
        await a.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await a.end();
      }
    },
  };
}

export function randomPrefix(): string {
  return `{bench-${randomBytes(4).toString('hex')}}`;
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** Peak RSS so far, MB (from /proc VmHWM); read before stop(). */
  peakMb(): number;
  stop(): Promise<void>;
}

function startChild(
  args: string[],
  env: Record<string, string | undefined>,
  ready: RegExp,
  what: string,
): Promise<{ child: Child; match: RegExpExecArray }> {
  // BENCH_CPU_PROF=DIR profiles every child (node refuses --cpu-prof in NODE_OPTIONS).
  const prof = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  const proc = spawn(process.execPath, [...prof, '--import', 'tsx', ...args], {
    cwd: ROOT,
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = proc.pid as number;
  let lastPeak = 0;
  const child: Child = {
    proc,
    pid,
    peakMb() {
      lastPeak = Math.max(lastPeak, memoryOf(pid)?.hwmMb ?? 0);
      return Math.round(lastPeak);
    },
    stop() {
      child.peakMb();
      if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
      return new Promise((resolveStop) => {
        const force = setTimeout(() => proc.kill('SIGKILL'), 15_000);
        proc.once('exit', () => {
          clearTimeout(force);
          resolveStop();
        });
        proc.kill('SIGTERM');
      });
    },
  };
  let output = '';
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      void child.stop();
      reject(new Error(`${what} did not start within 60 s: ${output.slice(-2000)}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      if (output.length < 100_000) output += chunk.toString('utf8');
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        proc.stdout?.off('data', onData);
        // Keep draining so a chatty child never blocks on a full pipe.
        proc.stdout?.resume();
        resolveStart({ child, match });
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', (chunk: Buffer) => {
      if (output.length < 100_000) output += chunk.toString('utf8');
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before it was ready: ${output.slice(-2000)}`));
    });
  });
}

/** The bundled model server in its own process, so its CPU is not charged to whoever calls it. */
export async function startModelServerProcess(latencyMs: number): Promise<Child & { url: string }> {
  const { child, match } = await startChild(
    ['src/modelserver/main.ts', '--port', '0', '--latency-ms', String(latencyMs)],
    inherited(),
    /listening on (http:\/\/[^\s]+)/,
    'model server',
  );
  return { ...child, url: match[1] as string };
}

export interface WorkerEnv {
  databaseUrl: string;
  prefix: string;
  /** CANARY_WORKER_CONCURRENCY; the default (4) when omitted. */
  concurrency?: number;
}

/** `node --import tsx workers/evaluation.ts`, exactly as deployed, ready once it logs "workers started". */
export async function startWorkerProcess(opts: WorkerEnv): Promise<Child> {
  const env = {
    ...inherited(),
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    DATABASE_URL: opts.databaseUrl,
    REDIS_URL,
    CANARY_QUEUE_PREFIX: opts.prefix,
    CANARY_ENDPOINT_ALLOWLIST: '127.0.0.1',
    ...(opts.concurrency ? { CANARY_WORKER_CONCURRENCY: String(opts.concurrency) } : {}),
  };
  const { child } = await startChild(['workers/evaluation.ts'], env, /"msg":"workers started"/, 'worker');
  return child;
}

export interface Producer {
  deps: ServiceDeps;
  queues: Queues;
  close(): Promise<void>;
}

/** The producer side (scheduler + queues) as the web process builds it. */
export function createProducer(db: Database, prefix: string): Producer {
  const config = loadConfig({
    REDIS_URL,
    CANARY_QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    CANARY_ENDPOINT_ALLOWLIST: '127.0.0.1',
  });
  const queues = createQueues(config);
  const log = pino({ level: 'warn' });
  const scheduler = createScheduler({ db: db.db, queues, config, log });
  const deps: ServiceDeps = {
    db: db.db,
    log,
    scheduler,
    now: () => new Date(),
    limits: {
      maxInputBytes: config.endpoints.maxInputBytes,
      endpointAllowlist: config.endpoints.allowlist,
    },
  };
  return {
    deps,
    queues,
    async close() {
      // Every key under the random prefix goes: queues, job data, worker registrations.
      await Promise.allSettled([
        queues.evaluations.obliterate({ force: true }),
        queues.notify.obliterate({ force: true }),
      ]);
      const redis = queues.connection;
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      await queues.close();
    },
  };
}

/** Waits for the evaluation to be done (every result committed and the summary written). */
export async function waitForEvaluation(deps: ServiceDeps, evaluationId: number, timeoutMs: number) {
  // The poll reads the evaluation's own row (one primary-key lookup); the full view, whose cost sums scan every
  // result, is read once at the end. Polling the view every 10 ms kept Postgres busy for the bench's own sake.
  await waitFor(
    async () => {
      const row = await getEvaluationRow(deps.db, evaluationId);
      return row && (row.status === 'done' || row.status === 'failed') ? row : undefined;
    },
    timeoutMs,
    `evaluation ${evaluationId}`,
    10,
  );
  const view = await getEvaluation(deps, evaluationId);
  if (!view) throw new Error(`evaluation ${evaluationId} vanished once done`);
  return view;
}
