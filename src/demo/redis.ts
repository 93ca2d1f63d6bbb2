import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { delimiter, join } from 'node:path';

export interface DemoRedis {
  url: string;
  /** Started here (and stopped by stop()), rather than given. */
  private: boolean;
  stop(): Promise<void>;
}

export class RedisUnavailable extends Error {}

/**
 * The demo's Redis: REDIS_URL when set, otherwise a private redis-server from the PATH on a free port, kept in
 * memory only and stopped afterwards, so the demo never touches a Redis somebody else uses.
 */
export async function demoRedis(opts: {
  url: string;
  explicit: boolean;
  path: string | undefined;
}): Promise<DemoRedis> {
  if (opts.explicit) return { url: opts.url, private: false, stop: async () => {} };
  const binary = findOnPath('redis-server', opts.path);
  if (!binary) {
    throw new RedisUnavailable(
      'Canary needs Redis for its job queue: set REDIS_URL to a running Redis, or install redis-server (e.g. `apt-get install redis-server` or `brew install redis`) and run the demo again.',
    );
  }
  const port = await freePort();
  const child = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--loglevel',
      'warning',
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForPort(port, 10_000);
  return {
    url: `redis://127.0.0.1:${port}`,
    private: true,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function findOnPath(name: string, path: string | undefined): string | null {
  for (const dir of (path ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    if (ok) return;
    if (Date.now() > deadline) throw new RedisUnavailable(`redis-server did not start on port ${port}.`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
