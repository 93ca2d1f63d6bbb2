import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Child processes for the fault suite: Canary workers, and PRIVATE Redis and Postgres servers that a test may
 * stop and restart without touching the machine's shared ones. Every handle can be stopped twice safely, and
 * `cleanupAll` kills whatever a failed test left behind.
 */

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const live = new Set<{ stop(): Promise<void> }>();
const liveWorkers = new Set<WorkerProcess>();

/** Stops every worker process still running: first, while the Redis and Postgres they talk to are still up. */
export async function stopAllWorkers(): Promise<void> {
  await Promise.allSettled([...liveWorkers].map((w) => w.stop()));
}

/** Stops every process still running and removes temp dirs; for afterAll, even after a failure. */
export async function cleanupAll(): Promise<void> {
  await stopAllWorkers();
  await Promise.allSettled([...live].map((h) => h.stop()));
}

/** A TCP port nobody listens on right now (the OS picks it, then we release it). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  opts: { timeoutMs?: number; intervalMs?: number; what: string },
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${opts.what}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

// ---------------------------------------------------------------------------------------------- workers

export interface WorkerProcess {
  pid: number;
  /** Parsed pino lines the worker has written so far. */
  readonly logs: readonly Record<string, unknown>[];
  /** Resolves once the worker has logged "workers started". */
  ready: Promise<void>;
  exited: Promise<void>;
  /** SIGKILL: no shutdown hook runs, locks are left to expire. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited within the grace period. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `workers/evaluation.ts` as its own Node process (tsx as an import hook, so the pid is the worker
 * itself, not a wrapper: SIGKILL hits the process holding the job locks). Config comes from env only.
 */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'workers/evaluation.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let buffered = '';
  let markReady: () => void = () => {};
  let failReady: (err: Error) => void = () => {};
  const ready = new Promise<void>((res, rej) => {
    markReady = res;
    failReady = rej;
  });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'workers started') markReady();
      } catch {
        // not a log line
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const done = exited(child);
  void done.then(() => failReady(new Error(`worker ${child.pid} exited before it was ready: ${stderr}`)));
  const handle: WorkerProcess = {
    pid: child.pid ?? -1,
    logs,
    ready,
    exited: done,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await done;
      live.delete(handle);
      liveWorkers.delete(handle);
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await done;
        clearTimeout(timer);
      }
      live.delete(handle);
      liveWorkers.delete(handle);
    },
  };
  ready.catch(() => {});
  live.add(handle);
  liveWorkers.add(handle);
  return handle;
}

// ---------------------------------------------------------------------------------------------- redis

export interface PrivateRedis {
  port: number;
  url: string;
  dir: string;
  /** SIGTERM: Redis flushes the append-only file and exits. */
  shutdown(): Promise<void>;
  /** Starts again on the same port and directory, reloading the AOF. */
  start(): Promise<void>;
  /** Stops it for good and removes its directory. */
  stop(): Promise<void>;
}

/** A redis-server of our own with `appendfsync always`, so a restart keeps every queued job, as in production. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'canary-faults-redis-'));
  let child: ChildProcess | undefined;

  async function ping(): Promise<boolean> {
    const { stdout } = await run('redis-cli', ['-p', String(port), 'ping']);
    return stdout.trim() === 'PONG';
  }

  const handle: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async start() {
      const proc = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'yes',
          '--appendfsync',
          'always',
          '--dir',
          dir,
          '--loglevel',
          'warning',
        ],
        { stdio: 'ignore' },
      );
      child = proc;
      await waitUntil(ping, { what: `private redis on ${port}`, timeoutMs: 10_000 });
    },
    async shutdown() {
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      await exited(proc);
    },
    async stop() {
      const proc = child;
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGKILL');
        await exited(proc);
      }
      rmSync(dir, { recursive: true, force: true });
      live.delete(handle);
    },
  };
  live.add(handle);
  await handle.start();
  return handle;
}

// ---------------------------------------------------------------------------------------------- postgres

export interface PrivatePostgres {
  port: number;
  /** Superuser URL of the `postgres` database (trust auth on 127.0.0.1). */
  url: string;
  dataDir: string;
  /** pg_ctl stop -m fast: open connections are terminated, as in a failover or a restart for an upgrade. */
  shutdown(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes the cluster. */
  stop(): Promise<void>;
}

function postgresBin(name: string): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', name)))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const version = versions[0];
  if (!version) throw new Error(`no ${name} under ${root}: install a PostgreSQL server package`);
  return join(root, version, 'bin', name);
}

/** initdb refuses to run as root, so the cluster belongs to the postgres user when we are root. */
function asPostgres(bin: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

/** A throw-away Postgres cluster on a free port: the one a test may stop and restart. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const port = await freePort();
  const base = mkdtempSync(join(tmpdir(), 'canary-faults-pg-'));
  const dataDir = join(base, 'data');
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(base, Number(stdout.trim()), Number(gid.trim()));
    chmodSync(base, 0o700);
  }
  const pgCtl = postgresBin('pg_ctl');
  const ctl = async (args: string[]) => {
    const [cmd, argv] = asPostgres(pgCtl, args);
    await run(cmd, argv, { timeout: 60_000 });
  };
  const [initCmd, initArgs] = asPostgres(postgresBin('initdb'), [
    '-D',
    dataDir,
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
  ]);
  await run(initCmd, initArgs, { timeout: 120_000 });

  let running = false;
  const handle: PrivatePostgres = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dataDir,
    async start() {
      // fsync off: this cluster is disposable, and the 2-core box has better things to do.
      await ctl([
        '-D',
        dataDir,
        '-l',
        join(dataDir, 'server.log'),
        '-o',
        `-p ${port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
        '-w',
        'start',
      ]);
      running = true;
    },
    async shutdown() {
      if (!running) return;
      await ctl(['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      running = false;
    },
    async stop() {
      if (running) await ctl(['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      running = false;
      rmSync(base, { recursive: true, force: true });
      live.delete(handle);
    },
  };
  live.add(handle);
  await handle.start();
  return handle;
}
