import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlEventsOf } from '../../src/db/queries/controls.ts';
import { models, patterns, problems } from '../../src/db/schema.ts';
import { createApi } from '../../src/http/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { recordingScheduler, seedModel, seedProblem, serviceDeps } from './fixtures.ts';
import { listen } from './server.ts';

const ADMIN = 'admin-token-0123456789';
const MEMBER = 'member-token-0123456789';
let database: TestDatabase;
let server: { url: string; close: () => Promise<void> };

beforeAll(async () => {
  database = await createTestDatabase();
  const app = createApi({
    ...serviceDeps(database.db, recordingScheduler(database.db)),
    tokens: [MEMBER],
    adminTokens: [ADMIN],
    ping: async () => ({ postgres: true, redis: true }),
  });
  server = await listen(app);
});
afterAll(async () => {
  await server?.close();
  await database?.drop();
});

async function call(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  // Response bodies are whatever JSON.parse gives back; the assertions check them.
  return { status: res.status, json: (await res.json()) as ReturnType<typeof JSON.parse> };
}

const fingerprint = (token: string) => `api:${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;

describe('admin-gated REST controls (CANARY_ADMIN_TOKENS)', () => {
  it('a member token cannot create a problem with a threshold: 403, nothing written; without one it can', async () => {
    const before = (await database.db.select().from(problems)).length;
    const refused = await call('POST', '/problems', MEMBER, { title: 'Gated', threshold: '100%' });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/set thresholds/),
    });
    expect((await database.db.select().from(problems)).length).toBe(before);
    expect((await call('POST', '/problems', MEMBER, { title: 'Tracked only' })).status).toBe(201);
    const made = await call('POST', '/problems', ADMIN, { title: 'Gated', threshold: 0.9 });
    expect(made.status).toBe(201);
    expect((await call('PATCH', `/problems/${made.json.key}`, MEMBER, { threshold: 1 })).status).toBe(403);
    expect(
      (await call('PATCH', `/problems/${made.json.key}`, ADMIN, { threshold: 0.8 })).json.problem.threshold,
    ).toBe(0.8);
  });

  it('a duplicate open title is a 409 naming the existing key', async () => {
    const first = await call('POST', '/problems', MEMBER, { title: 'Dup title' });
    const second = await call('POST', '/problems', MEMBER, { title: 'DUP TITLE' });
    expect(second.status).toBe(409);
    expect(second.json.error.message).toContain(`${first.json.key} already has that title`);
  });

  it('retire and restore a model: admin only, recorded with the token fingerprint, hidden from /models', async () => {
    const id = await seedModel(database.db, 'rest', 'v1');
    expect((await call('POST', '/models/rest/v1/retire', MEMBER)).status).toBe(403);
    expect((await database.db.select().from(models).where(eq(models.id, id)))[0]?.status).toBe('candidate');

    const retired = await call('POST', '/models/rest/v1/retire', ADMIN);
    expect(retired.status).toBe(200);
    expect(retired.json.model).toMatchObject({ status: 'retired', retiredBy: fingerprint(ADMIN) });
    const listed = (await call('GET', '/models', MEMBER)).json.models.map((m: { id: number }) => m.id);
    expect(listed).not.toContain(id);
    const all = (await call('GET', '/models?includeRetired=true', MEMBER)).json.models.map(
      (m: { id: number }) => m.id,
    );
    expect(all).toContain(id);
    const gate = await call('GET', '/models/rest/v1/gate', MEMBER);
    expect(gate.status).toBe(409);
    expect(gate.json.error.message).toMatch(/rest@v1 is retired/);
    expect((await call('POST', '/models/rest/v1/evaluate', MEMBER)).status).toBe(409);

    const restored = await call('POST', '/models/rest/v1/restore', ADMIN);
    expect(restored.json.model.status).toBe('candidate');
    expect(restored.json.evaluationId).toEqual(expect.any(Number));
    const events = await controlEventsOf(database.db, 'model', id);
    expect(events.map((e) => [e.action, e.actor])).toEqual([
      ['model.retire', fingerprint(ADMIN)],
      ['model.restore', fingerprint(ADMIN)],
    ]);
  });

  it('deactivate, reactivate and edit a pattern: admin only; an edit makes a revision; bad input is a 400', async () => {
    const deps = serviceDeps(database.db);
    const { revisions } = await seedProblem(deps, { title: 'Rest patterns', threshold: null, count: 2 });
    const id = revisions[0]?.patternId as number;
    expect((await call('POST', `/patterns/${id}/deactivate`, MEMBER)).status).toBe(403);
    const off = await call('POST', `/patterns/${id}/deactivate`, ADMIN);
    expect(off.json.pattern).toMatchObject({ active: false, deactivatedBy: fingerprint(ADMIN) });
    expect((await call('POST', `/patterns/${id}/reactivate`, ADMIN)).json.pattern.active).toBe(true);

    expect((await call('PATCH', `/patterns/${id}`, MEMBER, { expect: { label: 'x' } })).status).toBe(403);
    const edited = await call('PATCH', `/patterns/${id}`, ADMIN, {
      expect: { label: 'negative' },
      notes: 'fixed',
    });
    expect(edited.status).toBe(200);
    expect(edited.json.pattern).toMatchObject({
      revision: 2,
      notes: 'fixed',
      expectation: { label: 'negative' },
    });
    const bad = await call('PATCH', `/patterns/${id}`, ADMIN, { expect: { nope: 1 } });
    expect(bad.status).toBe(400);
    expect((await call('PATCH', `/patterns/${id}`, ADMIN, { colour: 'red' })).status).toBe(400);
    expect((await call('POST', '/patterns/abc/deactivate', ADMIN)).status).toBe(400);
    expect((await call('POST', '/patterns/999999/deactivate', ADMIN)).status).toBe(404);
    const [row] = await database.db.select().from(patterns).where(eq(patterns.id, id));
    expect(row?.notes).toBe('fixed');
    expect((await controlEventsOf(database.db, 'pattern', id)).map((e) => e.action)).toEqual([
      'pattern.deactivate',
      'pattern.reactivate',
      'pattern.edit',
    ]);
  });

  it('an import by an ambiguous title names the item index', async () => {
    const a = await call('POST', '/problems', MEMBER, { title: 'Twice' });
    await call('PATCH', `/problems/${a.json.key}`, MEMBER, { status: 'resolved' });
    await call('POST', '/problems', MEMBER, { title: 'twice' });
    const res = await call('POST', '/patterns', MEMBER, [
      { problem: a.json.key, input: 'ok', expect: { label: 'negative' } },
      { problem: 'Twice', input: 'which one?', expect: { label: 'negative' } },
    ]);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'ambiguous_problem', field: '[1].problem' });
    expect(res.json.error.message).toMatch(/"Twice" \(item 1\) is the title of P-\d+ and P-\d+/);
  });
});
