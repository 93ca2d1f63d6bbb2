import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { childEnvironment } from '../src/config.ts';
import { queuedEvaluationId, registerModel } from '../src/services/models.ts';
import {
  createProducer,
  freshDatabase,
  REDIS_URL,
  ROOT,
  randomPrefix,
  startModelServerProcess,
  waitForEvaluation,
} from './support/env.ts';
import { memoryOf, processTree, treeMemorySampler } from './support/proc.ts';
import { loadCases, seedPatterns } from './support/seed.ts';
import { ratio } from './support/stats.ts';

/**
 * Resident memory of the whole process tree `npm start` leaves running (npm, shells, node, tsx's loader
 * process, esbuild), idle and at its peak while its in-process workers evaluate the CheckList cases.
 * "before" is the start command as it was (tsx through npm, kept as `npm run dev`); "after" is `npm start`
 * on compiled dist/; "deployed" is what the image and the Kubernetes pods run: node on dist/, nothing else.
 */

export interface MemoryConfig {
  /** Cases from the CheckList MFT set (all 8,582 when omitted). */
  cases?: number;
  dbName: string;
}
export const MEMORY_FULL: Omit<MemoryConfig, 'dbName'> = {};
export const MEMORY_QUICK: Omit<MemoryConfig, 'dbName'> = { cases: 500 };

const VARIANTS = [
  {
    name: 'before',
    what: 'npm run dev (tsx src/main.ts, the old npm start)',
    cmd: 'npm',
    args: ['run', 'dev'],
  },
  { name: 'after', what: 'npm start (node dist/src/main.js)', cmd: 'npm', args: ['start'] },
  { name: 'deployed', what: 'node dist/src/main.js', cmd: process.execPath, args: ['dist/src/main.js'] },
] as const;

interface TreeRun {
  name: string;
  command: string;
  /** Command names of the processes in the tree once started. */
  processes: string[];
  idleMb: number;
  peakMb: number;
  evaluationMs: number;
  passed: number;
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

export async function benchMemory(cfg: MemoryConfig) {
  // npm start runs dist/: build it if this checkout has not.
  if (!existsSync(resolve(ROOT, 'dist/src/main.js'))) {
    const built = spawnSync('npm', ['run', 'build'], {
      cwd: ROOT,
      stdio: 'inherit',
      env: childEnvironment(),
    });
    if (built.status !== 0) throw new Error('npm run build failed');
  }
  const all = loadCases();
  const cases = cfg.cases ? all.slice(0, cfg.cases) : all;
  const database = await freshDatabase(cfg.dbName);
  const server = await startModelServerProcess(0);
  const runs: TreeRun[] = [];
  try {
    await seedPatterns(database.url, cases);
    for (const variant of VARIANTS) runs.push(await runTree(variant, database, server.url));
  } finally {
    await server.stop();
    await database.drop();
  }
  const by = (name: string) => runs.find((r) => r.name === name) as TreeRun;
  const before = by('before');
  const after = by('after');
  const deployed = by('deployed');
  return {
    cases: cases.length,
    runs,
    /** after ÷ before: below 1 is less memory. */
    idleRatio: ratio(after.idleMb, before.idleMb),
    peakRatio: ratio(after.peakMb, before.peakMb),
    deployedPeakRatio: ratio(deployed.peakMb, before.peakMb),
    aims: {
      compiledPeak: {
        value: ratio(after.peakMb, before.peakMb),
        aim: '<= 1 (compiled npm start tree peaks no higher than the tsx one)',
        met: after.peakMb <= before.peakMb,
      },
      noLoaderInDeployment: {
        value: deployed.processes.length,
        aim: 'deployed tree is one node process (no npm, tsx or esbuild)',
        met: deployed.processes.length === 1 && deployed.processes[0] === 'node',
      },
    },
  };
}

async function runTree(
  variant: (typeof VARIANTS)[number],
  database: Awaited<ReturnType<typeof freshDatabase>>,
  serverUrl: string,
): Promise<TreeRun> {
  const prefix = randomPrefix();
  const env = {
    ...childEnvironment(),
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    DATABASE_URL: database.url,
    REDIS_URL,
    CANARY_QUEUE_PREFIX: prefix,
    HOST: '127.0.0.1',
    PORT: '0',
    CANARY_WORKERS: '1',
  };
  // Its own process group, so the whole tree gets the signal (npm forwards it, but only to its child).
  const proc = spawn(variant.cmd, [...variant.args], {
    cwd: ROOT,
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const pid = proc.pid as number;
  const sampler = treeMemorySampler(pid);
  let stopped = false;
  const producer = createProducer(database, prefix);
  try {
    let output = '';
    await new Promise<void>((resolveReady, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${variant.what} did not start: ${output.slice(-1500)}`)),
        90_000,
      );
      const onData = (c: Buffer) => {
        output = (output + c.toString('utf8')).slice(-20_000);
        if (output.includes('"msg":"canary started"')) {
          clearTimeout(timer);
          resolveReady();
        }
      };
      proc.stdout.on('data', onData);
      proc.stderr.on('data', onData);
      proc.once('exit', (code) =>
        reject(new Error(`${variant.what} exited ${code}: ${output.slice(-1500)}`)),
      );
    });
    // Idle: started, connections open, nothing queued.
    await new Promise((r) => setTimeout(r, 3000));
    const tree = processTree(pid);
    const idleMb = Math.round(tree.reduce((sum, p) => sum + (memoryOf(p)?.rssMb ?? 0), 0));
    const started = performance.now();
    const evaluationId = queuedEvaluationId(
      await registerModel(producer.deps, {
        name: `memory-${variant.name}`,
        version: 'v1',
        endpoint: {
          adapter: 'kserve-v2',
          url: `${serverUrl}/v2/models/afinn/infer`,
          options: { concurrency: 32, batchSize: 64, timeoutMs: 30_000 },
        },
      }),
    );
    const view = await waitForEvaluation(producer.deps, evaluationId, 600_000);
    const peakMb = sampler.stop().peakSumMb;
    stopped = true;
    return {
      name: variant.name,
      command: variant.what,
      processes: tree.map(comm),
      idleMb,
      peakMb,
      evaluationMs: Math.round(performance.now() - started),
      passed: view.passed,
    };
  } finally {
    if (!stopped) sampler.stop();
    await producer.close();
    await new Promise<void>((r) => {
      if (proc.exitCode !== null) return r();
      const force = setTimeout(() => {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {}
        r();
      }, 20_000);
      proc.once('exit', () => {
        clearTimeout(force);
        r();
      });
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        r();
      }
    });
  }
}
