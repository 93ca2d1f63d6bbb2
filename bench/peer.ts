import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { childEnvironment } from '../src/config.ts';
import { queuedEvaluationId, registerModel } from '../src/services/models.ts';
import {
  type Child,
  createProducer,
  freshDatabase,
  type Producer,
  ROOT,
  randomPrefix,
  startModelServerProcess,
  startWorkerProcess,
  waitForEvaluation,
} from './support/env.ts';
import { treeMemorySampler } from './support/proc.ts';
import { type Case, loadCases, seedPatterns } from './support/seed.ts';
import { cpuUnitMs, ratio, round } from './support/stats.ts';

/** Pinned: the newest promptfoo that still runs on Node 20 (0.122 and later need Node 22.22). */
export const PROMPTFOO_VERSION = '0.121.20';
export const PEER_DIR = resolve(ROOT, 'bench/.peer');

export interface PeerConfig {
  latenciesMs: number[];
  /** Cases from mft_n500.jsonl (all 8,582 when omitted). */
  cases?: number;
  concurrency: number;
  batchSize: number;
  dbName: string;
  /** Install promptfoo when it is missing (the smoke test passes false and accepts a skip). */
  install: boolean;
  promptfooTimeoutMs?: number;
}

export const PEER_FULL: Omit<PeerConfig, 'dbName'> = {
  latenciesMs: [0, 20],
  concurrency: 32,
  batchSize: 64,
  install: true,
};
export const PEER_QUICK: Omit<PeerConfig, 'dbName'> = {
  latenciesMs: [20],
  concurrency: 32,
  batchSize: 64,
  install: true,
};

interface EngineRun {
  ms: number;
  peakMb: number;
  passed: number;
  failed: number;
  errored: number;
}

export interface PeerLatencyResult {
  latencyMs: number;
  promptfoo: (EngineRun & { exitCode: number | null }) | { skipped: string };
  canaryOnePerCase: EngineRun;
  canaryBatched: EngineRun & { batchSize: number };
  /** promptfoo wall time ÷ Canary wall time. */
  speedupOnePerCase: number | null;
  speedupBatched: number | null;
  /** Canary worker peak ÷ promptfoo process-tree peak. */
  memoryRatio: number | null;
}

export interface PeerResult {
  promptfooVersion: string;
  cases: number;
  cpuUnitMs: number;
  install: { ok: true; ms: number | null } | { ok: false; skipped: string };
  runs: PeerLatencyResult[];
  aims: Record<string, { value: number | null; aim: string; met: boolean }>;
}

export async function benchPeer(cfg: PeerConfig): Promise<PeerResult> {
  const unit = cpuUnitMs();
  const all = loadCases();
  const cases = cfg.cases ? all.slice(0, cfg.cases) : all;
  const install = cfg.install
    ? await ensurePromptfoo()
    : installed()
      ? { ok: true as const, ms: null }
      : { ok: false as const, skipped: 'promptfoo is not installed in bench/.peer and install was off' };
  const database = await freshDatabase(cfg.dbName);
  const prefix = randomPrefix();
  const producer = createProducer(database, prefix);
  const runs: PeerLatencyResult[] = [];
  try {
    await seedPatterns(database.url, cases);
    let seq = 0;
    for (const latencyMs of cfg.latenciesMs) {
      const server = await startModelServerProcess(latencyMs);
      try {
        const canary = (endpoint: { adapter: string; url: string; options: Record<string, unknown> }) =>
          canaryRun(producer, database.url, prefix, endpoint, `v${++seq}`);
        const canaryOnePerCase = await canary({
          adapter: 'http',
          url: `${server.url}/http/afinn`,
          options: { concurrency: cfg.concurrency, timeoutMs: 30_000 },
        });
        const canaryBatched = {
          ...(await canary({
            adapter: 'kserve-v2',
            url: `${server.url}/v2/models/afinn/infer`,
            options: { concurrency: cfg.concurrency, batchSize: cfg.batchSize, timeoutMs: 30_000 },
          })),
          batchSize: cfg.batchSize,
        };
        const promptfoo = install.ok
          ? await runPromptfoo(
              server.url,
              cases,
              cfg.concurrency,
              latencyMs,
              cfg.promptfooTimeoutMs ?? 600_000,
            )
          : { skipped: install.skipped };
        const pf = 'skipped' in promptfoo ? null : promptfoo;
        runs.push({
          latencyMs,
          promptfoo,
          canaryOnePerCase,
          canaryBatched,
          speedupOnePerCase: ratio(pf?.ms, canaryOnePerCase.ms),
          speedupBatched: ratio(pf?.ms, canaryBatched.ms),
          memoryRatio: ratio(Math.max(canaryOnePerCase.peakMb, canaryBatched.peakMb), pf?.peakMb),
        });
      } finally {
        await server.stop();
      }
    }
  } finally {
    await producer.close();
    await database.drop();
  }
  const worst = (pick: (r: PeerLatencyResult) => number | null) => {
    const values = runs.map(pick).filter((v): v is number => v !== null);
    return values.length ? Math.min(...values) : null;
  };
  const worstMemory = runs.map((r) => r.memoryRatio).filter((v): v is number => v !== null);
  const mem = worstMemory.length ? Math.max(...worstMemory) : null;
  return {
    promptfooVersion: PROMPTFOO_VERSION,
    cases: cases.length,
    cpuUnitMs: unit,
    install,
    runs,
    aims: {
      onePerCaseSpeedup: {
        value: worst((r) => r.speedupOnePerCase),
        aim: '>= 10x faster than promptfoo',
        met: (worst((r) => r.speedupOnePerCase) ?? 0) >= 10,
      },
      batchedSpeedup: {
        value: worst((r) => r.speedupBatched),
        aim: '>= 30x faster than promptfoo',
        met: (worst((r) => r.speedupBatched) ?? 0) >= 30,
      },
      memoryRatio: { value: mem, aim: "<= 1/3 of promptfoo's peak", met: mem !== null && mem <= 1 / 3 },
    },
  };
}

async function canaryRun(
  producer: Producer,
  databaseUrl: string,
  prefix: string,
  endpoint: { adapter: string; url: string; options: Record<string, unknown> },
  version: string,
): Promise<EngineRun> {
  const worker: Child = await startWorkerProcess({ databaseUrl, prefix });
  try {
    const started = performance.now();
    const evaluationId = queuedEvaluationId(
      await registerModel(producer.deps, {
        name: `peer-${endpoint.adapter}`,
        version,
        endpoint,
      }),
    );
    const view = await waitForEvaluation(producer.deps, evaluationId, 600_000);
    const ms = performance.now() - started;
    return {
      ms: round(ms),
      peakMb: worker.peakMb(),
      passed: view.passed,
      failed: view.failed,
      errored: view.errored,
    };
  } finally {
    await worker.stop();
  }
}

function promptfooMain(): string | null {
  const pkgPath = resolve(PEER_DIR, 'node_modules/promptfoo/package.json');
  if (!existsSync(pkgPath)) return null;
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    version: string;
    bin?: string | Record<string, string>;
  };
  if (pkg.version !== PROMPTFOO_VERSION) return null;
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.['promptfoo'];
  return bin ? resolve(PEER_DIR, 'node_modules/promptfoo', bin) : null;
}

function installed(): boolean {
  return promptfooMain() !== null;
}

function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env: Record<string, string | undefined>; timeoutMs: number },
) {
  return new Promise<{ code: number | null; output: string; pid: number }>((resolveRun) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (c: Buffer) => {
      output = (output + c.toString('utf8')).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, output, pid: child.pid as number });
    });
  });
}

/** `npm install --prefix bench/.peer promptfoo@<pinned>`, once; never a project dependency. */
async function ensurePromptfoo(): Promise<PeerResult['install']> {
  if (installed()) return { ok: true, ms: null };
  mkdirSync(PEER_DIR, { recursive: true });
  // The folder is the benchmark's own scratch space: keep it out of git whatever .gitignore says.
  writeFileSync(resolve(PEER_DIR, '.gitignore'), '*\n');
  const started = performance.now();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = await run(
    npm,
    [
      'install',
      '--prefix',
      PEER_DIR,
      '--no-audit',
      '--no-fund',
      '--save-exact',
      '--loglevel=error',
      `promptfoo@${PROMPTFOO_VERSION}`,
    ],
    { cwd: ROOT, env: childEnvironment(), timeoutMs: 10 * 60_000 },
  ).catch((err: unknown) => ({ code: -1, output: String(err), pid: 0 }));
  if (result.code !== 0 || !installed()) {
    return {
      ok: false,
      skipped: `npm install promptfoo@${PROMPTFOO_VERSION} failed (${result.code}): ${result.output.slice(-500)}`,
    };
  }
  return { ok: true, ms: round(performance.now() - started) };
}

/** The same cases as Canary patterns: http provider on the generic route, one assertion per case. */
function promptfooConfig(serverUrl: string, cases: readonly Case[], concurrency: number): unknown {
  return {
    description: 'canary bench peer: CheckList sentiment MFT',
    prompts: ['{{input}}'],
    providers: [
      {
        id: `${serverUrl}/http/afinn`,
        label: 'afinn',
        config: {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: { text: '{{prompt}}' },
          transformResponse: 'json.result.label',
        },
      },
    ],
    tests: cases.map((c) => ({
      vars: { input: c.input },
      assert: [
        c.accept.length === 1
          ? { type: 'equals', value: c.accept[0] }
          : { type: 'javascript', value: `${JSON.stringify(c.accept)}.includes(output)` },
      ],
    })),
    evaluateOptions: { maxConcurrency: concurrency, cache: false, showProgressBar: false },
    sharing: false,
  };
}

async function runPromptfoo(
  serverUrl: string,
  cases: readonly Case[],
  concurrency: number,
  latencyMs: number,
  timeoutMs: number,
): Promise<(EngineRun & { exitCode: number | null }) | { skipped: string }> {
  const main = promptfooMain();
  if (!main) return { skipped: 'promptfoo is not installed' };
  const dir = resolve(PEER_DIR, `run-${latencyMs}ms`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // JSON is YAML, and promptfoo reads either.
  writeFileSync(
    resolve(dir, 'promptfooconfig.yaml'),
    JSON.stringify(promptfooConfig(serverUrl, cases, concurrency)),
  );
  const env = {
    ...childEnvironment(),
    PROMPTFOO_DISABLE_TELEMETRY: '1',
    PROMPTFOO_DISABLE_UPDATE: '1',
    PROMPTFOO_DISABLE_SHARING: '1',
    PROMPTFOO_DISABLE_REMOTE_GENERATION: 'true',
    PROMPTFOO_CACHE_ENABLED: 'false',
    // Its database and cache live in the run folder, not in the user's home.
    PROMPTFOO_CONFIG_DIR: resolve(dir, 'home'),
    NO_COLOR: '1',
  };
  const child = spawn(
    process.execPath,
    [
      main,
      'eval',
      '-c',
      'promptfooconfig.yaml',
      '-j',
      String(concurrency),
      '--no-cache',
      '--no-progress-bar',
      '--no-table',
      '--no-share',
      '-o',
      'out.json',
    ],
    { cwd: dir, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const started = performance.now();
  const sampler = treeMemorySampler(child.pid as number);
  let output = '';
  const keep = (c: Buffer) => {
    output = (output + c.toString('utf8')).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exitCode = await new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  clearTimeout(timer);
  const ms = performance.now() - started;
  const memory = sampler.stop();
  const outPath = resolve(dir, 'out.json');
  if (!existsSync(outPath))
    return { skipped: `promptfoo produced no results (exit ${exitCode}): ${output.slice(-800)}` };
  const stats =
    (
      JSON.parse(readFileSync(outPath, 'utf8')) as {
        results?: { stats?: { successes?: number; failures?: number; errors?: number } };
      }
    ).results?.stats ?? {};
  return {
    ms: round(ms),
    peakMb: memory.peakSumMb,
    passed: stats.successes ?? 0,
    failed: stats.failures ?? 0,
    errored: stats.errors ?? 0,
    exitCode,
  };
}
