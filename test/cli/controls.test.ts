import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlEventsOf } from '../../src/db/queries/controls.ts';
import { patterns } from '../../src/db/schema.ts';
import { getPattern } from '../../src/services/patterns.ts';
import { createProblem, updateProblem } from '../../src/services/problems.ts';
import { seedModel, seedProblem, serviceDeps } from '../http/fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { runCli } from './run-cli.ts';

let database: TestDatabase;
let env: Record<string, string>;
beforeAll(async () => {
  database = await createTestDatabase();
  env = { DATABASE_URL: database.url };
});
afterAll(async () => {
  await database.drop();
});

const me = `cli:${userInfo().username}`;

describe('canary model retire|restore and pattern deactivate|reactivate|edit (direct mode)', () => {
  it('retires and restores a model, recorded as the login; the gate refuses it while retired', async () => {
    const id = await seedModel(database.db, 'cli', 'v1');
    const retired = await runCli(['model', 'retire', 'cli@v1'], env);
    expect(retired.stderr).toBe('');
    expect(retired.stdout).toContain('cli@v1 is retired.');
    const gate = await runCli(['gate', '--model', 'cli@v1', '--baseline', 'none'], env);
    expect(gate.code).toBe(2);
    expect(gate.stderr).toMatch(/cli@v1 is retired .*restore it first/);
    const bad = await runCli(['model', 'retire', 'no-version'], env);
    expect(bad.code).toBe(2);
    // Restoring queues the catch-up evaluation: Redis (127.0.0.1:6379) is part of the test set-up.
    const restored = await runCli(['model', 'restore', 'cli@v1', '--json'], env);
    expect(JSON.parse(restored.stdout).model.status).toBe('candidate');
    expect((await controlEventsOf(database.db, 'model', id)).map((e) => [e.action, e.actor])).toEqual([
      ['model.retire', me],
      ['model.restore', me],
    ]);
  }, 120_000);

  it('deactivates, reactivates and edits a pattern; bad arguments exit 2 and change nothing', async () => {
    const deps = serviceDeps(database.db);
    const { revisions } = await seedProblem(deps, { title: 'Cli patterns', threshold: null, count: 1 });
    const id = revisions[0]?.patternId as number;
    expect((await runCli(['pattern', 'deactivate', String(id)], env)).stdout).toContain(`#${id} is inactive`);
    expect((await getPattern(deps, id)).deactivatedBy).toBe(me);
    expect((await runCli(['pattern', 'reactivate', `#${id}`], env)).stdout).toContain('is active');

    const noChange = await runCli(['pattern', 'edit', String(id)], env);
    expect(noChange.code).toBe(2);
    expect(noChange.stderr).toMatch(/Say what to change/);
    const badExpect = await runCli(['pattern', 'edit', String(id), '--expect', 'regex:/(/'], env);
    expect(badExpect.code).toBe(2);
    expect((await getPattern(deps, id)).revision).toBe(1);

    const edit = await runCli(
      ['pattern', 'edit', String(id), '--expect', 'not:positive', '--notes', 'why'],
      env,
    );
    expect(edit.stderr).toBe('');
    expect(edit.stdout).toContain('revision 2');
    expect(await getPattern(deps, id)).toMatchObject({
      expectation: { not_label: 'positive' },
      notes: 'why',
    });
    expect((await runCli(['pattern', 'frob', '1'], env)).code).toBe(2);
  }, 120_000);

  it('an import naming an ambiguous title is refused with the line numbers, nothing imported', async () => {
    const deps = serviceDeps(database.db);
    const a = await createProblem(deps, { title: 'Twice named' });
    await updateProblem(deps, a.key, { status: 'resolved' });
    await createProblem(deps, { title: 'TWICE NAMED' });
    const before = (await database.db.select().from(patterns)).length;
    const dir = mkdtempSync(join(tmpdir(), 'canary-ctl-'));
    const file = join(dir, 'rows.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify({ problem: a.key, input: 'fine', expect: { label: 'negative' } }),
        JSON.stringify({ problem: 'twice named', input: 'which?', expect: { label: 'negative' } }),
      ].join('\n'),
    );
    const run = await runCli(['import', file], env);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`${file}:2: problem: "twice named" is the title of more than one problem`);
    expect(run.stderr).not.toContain(`${file}:1:`);
    expect((await database.db.select().from(patterns)).length).toBe(before);
  }, 60_000);
});
