import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateObservation } from '../../src/core/observation.ts';
import { createApi } from '../../src/http/api.ts';
import { addObservations } from '../../src/services/observations.ts';
import { triageQueue } from '../../src/services/triage.ts';
import { recordingScheduler, seedModel, serviceDeps } from '../http/fixtures.ts';
import { listen } from '../http/server.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { runCli } from './run-cli.ts';

let database: TestDatabase;
let server: { url: string; close: () => Promise<void> };
const TOKEN = 'cli-obs-token-0123456789';

beforeAll(async () => {
  database = await createTestDatabase();
  const deps = serviceDeps(database.db, recordingScheduler(database.db));
  await seedModel(database.db, 'bot', 'v1');
  const raw = [
    { input: 'Where is my parcel?', output: 'banana', rating: 'down', at: '2026-12-01T08:00:00Z' },
    { input: 'Where is my parcel?', output: 'pear', rating: 'down', at: '2026-12-01T09:00:00Z' },
    { input: 'Refund?', output: 'no', rating: 'down', at: '2026-12-01T10:00:00Z' },
    { input: 'Thanks', output: 'you are welcome', rating: 'up', at: '2026-12-01T11:00:00Z' },
  ];
  const drafts = raw.map((r) => {
    const checked = validateObservation({ model: 'bot@v1', ...r }, 4096);
    if (!checked.ok) throw new Error('bad');
    return checked.value;
  });
  await addObservations(deps, drafts);
  server = await listen(
    createApi({ ...deps, tokens: [TOKEN], ping: async () => ({ postgres: true, redis: true }) }),
  );
});

afterAll(async () => {
  await server?.close();
  await database?.drop();
});

describe('canary observations', () => {
  it('--rating down --untriaged --json is the triage queue, in direct mode', async () => {
    const run = await runCli(['observations', '--rating', 'down', '--untriaged', '--json'], {
      DATABASE_URL: database.url,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { groups } = JSON.parse(run.stdout);
    const expected = await triageQueue(serviceDeps(database.db), { limit: 50 });
    expect(groups).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(
      groups.map((g: { observation: { input: string }; count: number }) => [g.observation.input, g.count]),
    ).toEqual([
      ['Refund?', 1],
      ['Where is my parcel?', 2],
    ]);
  });

  it('prints the queue as a table over HTTP, and any listing with filters', async () => {
    const env = { CANARY_URL: server.url, CANARY_TOKEN: TOKEN };
    const table = await runCli(['observations', '--rating', 'down', '--untriaged'], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/Where is my parcel\?/);
    expect(table.stdout.split('\n').find((l) => l.includes('parcel'))).toMatch(/\b2\b/);
    const ups = await runCli(['observations', '--rating', 'up', '--json'], env);
    const page = JSON.parse(ups.stdout);
    expect(page.observations.map((o: { input: string }) => o.input)).toEqual(['Thanks']);
  });

  it('refuses a bad option with exit 2', async () => {
    const run = await runCli(['observations', '--rating', 'meh'], { DATABASE_URL: database.url });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--rating must be up, down or none, got "meh"/);
  });

  it('canary report shows what users think', async () => {
    const run = await runCli(['report', '--model', 'bot@v1'], { DATABASE_URL: database.url });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/users: 25% 👍 on bot@v1 \[5–70%\]/);
  });

  it('canary report says nothing about users of an unrated model, and draws the chart of a rated one', async () => {
    await seedModel(database.db, 'quiet', 'v1');
    const quiet = await runCli(['report', '--model', 'quiet@v1'], { DATABASE_URL: database.url });
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).not.toMatch(/users/);
    const none = await runCli(['report', '--model', 'quiet@v1', '--satisfaction-chart', '/dev/null'], {
      DATABASE_URL: database.url,
    });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/Nobody has rated quiet@v1/);

    const file = join(await mkdtemp(join(tmpdir(), 'canary-report-')), 'users.png');
    const env = { CANARY_URL: server.url, CANARY_TOKEN: TOKEN };
    const run = await runCli(['report', '--model', 'bot@v1', '--json', '--satisfaction-chart', file], env);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.satisfactionOverTime.series).toMatchObject({
      days: ['2026-12-01'],
      versions: [{ model: 'bot@v1', shares: [0.25], n: [4] }],
    });
    expect(report.satisfactionOverTime.chart.kind).toBe('satisfactionOverTime');
    const png = await readFile(file);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  });
});
