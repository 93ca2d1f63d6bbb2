import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../src/http/api.ts';
import { listen } from '../http/server.ts';
import { createHarness, type Harness } from '../queue/harness.ts';
import { runCli } from './run-cli.ts';

/**
 * The whole path a CI job takes: the CLI in HTTP mode against a real API, real BullMQ scheduler and workers
 * on Redis, and a real model server answering predictions.
 */
const TOKEN = 'ci-token-abcdef';
const dir = mkdtempSync(join(tmpdir(), 'canary-cli-http-'));
let harness: Harness;
let api: { url: string; close: () => Promise<void> };
let env: Record<string, string>;

beforeAll(async () => {
  harness = await createHarness();
  const app = createApi({
    db: harness.db,
    log: pino({ level: 'silent' }),
    scheduler: harness.scheduler,
    now: () => new Date(),
    limits: { maxInputBytes: 4096, endpointAllowlist: ['127.0.0.1'] },
    tokens: [TOKEN],
    ping: async () => ({ postgres: true, redis: true }),
  });
  api = await listen(app);
  env = { CANARY_URL: api.url, CANARY_TOKEN: TOKEN };
});

afterAll(async () => {
  await api?.close();
  await harness?.close();
});

describe('canary in HTTP mode', () => {
  it('refuses a wrong token with exit 2 naming the 401', async () => {
    const run = await runCli(['report', '--model', 'a@1'], { ...env, CANARY_TOKEN: 'wrong' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`HTTP mode: unauthorised (401) by the Canary API at ${api.url}`);
  });

  it('imports, registers with --wait, and gates with --wait and JUnit', async () => {
    const created = await fetch(`${api.url}/api/v1/problems`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Plain sentiment', threshold: 0.5 }),
    });
    const { key } = (await created.json()) as { key: string };
    const rows = [
      { problem: key, input: 'I love this wonderful product', expect: { label: 'positive' } },
      { problem: key, input: 'This is terrible, I hate it', expect: { label: 'negative' } },
      { problem: key, input: 'What a great and happy day', expect: { label: 'positive' } },
    ];
    const path = join(dir, 'patterns.jsonl');
    writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n'));
    const imported = await runCli(['import', path], env);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('3 created, 0 already existed');

    const register = await runCli(
      [
        'model',
        'register',
        '--name',
        'sentiment',
        '--version',
        'v1',
        '--adapter',
        'kserve-v2',
        '--url',
        `${harness.server.url}/v2/models/afinn/infer`,
        '--option',
        'retries=0',
        '--metric',
        'auc=0.91',
        '--wait',
      ],
      env,
    );
    expect(register.stderr).toMatch(/evaluation \d+: done 3\/3 \(100%\)/);
    expect(register.code).toBe(0);
    expect(register.stdout).toMatch(/Registered sentiment@v1/);

    const junit = join(dir, 'gate.xml');
    const gate = await runCli(['gate', '--model', 'sentiment@v1', '--wait', '--junit', junit], env);
    expect(gate.code).toBe(0);
    expect(gate.stdout).toContain('PASSED');
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(
      readFileSync(junit, 'utf8'),
    );
    expect(Number(parsed.testsuites.tests)).toBe(3);
    expect(Number(parsed.testsuites.failures)).toBe(0);

    const duplicate = await runCli(
      [
        'model',
        'register',
        '--name',
        'sentiment',
        '--version',
        'v1',
        '--adapter',
        'kserve-v2',
        '--url',
        'http://127.0.0.1:9/',
      ],
      env,
    );
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toContain('already registered');
  });
});

describe('canary in direct mode with a queue', () => {
  it('registers a model through the database and Redis, and waits for the workers to finish it', async () => {
    const direct = {
      DATABASE_URL: harness.database.url,
      REDIS_URL: harness.config.redis.url,
      CANARY_QUEUE_PREFIX: harness.prefix,
      CANARY_ENDPOINT_ALLOWLIST: '127.0.0.1',
    };
    const register = await runCli(
      [
        'model',
        'register',
        '--name',
        'sentiment',
        '--version',
        'v2',
        '--adapter',
        'kserve-v2',
        '--url',
        `${harness.server.url}/v2/models/vader/infer`,
        '--wait',
        '--json',
      ],
      direct,
    );
    expect(register.code).toBe(0);
    const out = JSON.parse(register.stdout);
    expect(out).toMatchObject({ id: expect.any(Number), evaluation: { status: 'done' } });
    const report = await runCli(['report', '--model', 'sentiment@v2', '--json'], direct);
    expect(JSON.parse(report.stdout).problems[0].n).toBe(3);
  });
});
