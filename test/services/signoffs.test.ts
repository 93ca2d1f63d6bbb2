import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signoffs } from '../../src/db/schema.ts';
import { createProblem } from '../../src/services/problems.ts';
import { checkSignoffs, listSignoffs, revokeSignoff, signOff } from '../../src/services/signoffs.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { buildFixture } from './fixture.ts';
import { insertModelRow, insertResults, makeDeps } from './helpers.ts';

let database: TestDatabase;
let fx: Awaited<ReturnType<typeof buildFixture>>;
beforeAll(async () => {
  database = await createTestDatabase();
  fx = await buildFixture(makeDeps(database.db), 'so');
});
afterAll(async () => {
  await database.drop();
});

describe('sign-offs', () => {
  it('signs off on the latest evaluated model by default, recording its pass rate, once', async () => {
    const deps = makeDeps(database.db);
    const s = await signOff(deps, { problemKey: fx.p2.key, userId: 'U1' });
    // R is newer but never ran P2, so B (2/2) is the latest evaluated model.
    expect(s).toMatchObject({
      problemId: fx.p2.id,
      modelId: fx.B,
      model: fx.ref('B'),
      passRate: 1,
      signedBy: 'U1',
    });
    expect((await signOff(deps, { problemKey: fx.p2.key, userId: 'U1' })).id).toBe(s.id);
    const explicit = await signOff(deps, { problemKey: fx.p1.key, modelRef: fx.ref('B'), userId: 'U2' });
    expect(explicit.passRate).toBe(0.8);
    const empty = await createProblem(deps, { title: 'never run' });
    await expect(signOff(deps, { problemKey: empty.key, userId: 'U1' })).rejects.toMatchObject({
      code: 'not_evaluated',
    });
    await expect(signOff(deps, { problemKey: 'P-987654', userId: 'U1' })).rejects.toMatchObject({
      code: 'problem_not_found',
    });
  });

  it('marks sign-offs broken by a model that does worse, once, and lists standing ones', async () => {
    const deps = makeDeps(database.db);
    const standing = await listSignoffs(deps, { pending: true });
    expect(standing.map((s) => s.problemKey).sort()).toEqual([fx.p1.key, fx.p2.key].sort());

    // C passes all of P1 (1 ≥ 0.8) but only half of P2 (0.5 < the signed 1).
    const newer = await insertModelRow(database.db, {
      name: 'so',
      version: 'C',
      registeredAt: new Date('2026-05-01'),
    });
    await insertResults(database.db, [
      ...[fx.a, fx.b, fx.c, fx.d, fx.e].map((pattern) => ({
        modelId: newer,
        pattern,
        status: 'passed' as const,
      })),
      { modelId: newer, pattern: fx.f, status: 'failed' as const },
      { modelId: newer, pattern: fx.g, status: 'passed' as const },
    ]);
    const broken = await checkSignoffs(deps, newer);
    expect(broken.map((b) => [b.problemKey, b.newPassRate])).toEqual([[fx.p2.key, 0.5]]);
    expect(broken[0]).toMatchObject({ brokenByModelId: newer });
    expect(broken[0]?.brokenAt).toBeInstanceOf(Date);
    expect(await checkSignoffs(deps, newer)).toEqual([]);
    expect(await checkSignoffs(deps, fx.B)).toEqual([]);

    const left = await listSignoffs(deps, { pending: true });
    expect(left.map((s) => s.problemKey)).toEqual([fx.p1.key]);
    const all = await listSignoffs(deps, { problemKey: fx.p2.key });
    expect(all).toHaveLength(1);
    expect(all[0]?.brokenByModelId).toBe(newer);
  });

  it('revokes', async () => {
    const deps = makeDeps(database.db);
    const [s] = await listSignoffs(deps, { problemKey: fx.p1.key, pending: true });
    const revoked = await revokeSignoff(deps, { signoffId: s!.id, userId: 'U3' });
    expect(revoked).toMatchObject({ revokedBy: 'U3' });
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect(await listSignoffs(deps, { pending: true })).toEqual([]);
    await expect(revokeSignoff(deps, { signoffId: 123456, userId: 'U3' })).rejects.toMatchObject({
      code: 'signoff_not_found',
    });
  });
});

describe('signing at the same moment', () => {
  it('two (or more) concurrent sign-offs by one person leave one standing row, returned to every caller', async () => {
    const deps = makeDeps(database.db);
    const input = { problemKey: fx.p1.key, modelRef: fx.ref('B'), userId: 'U-double-click' };
    const results = await Promise.all(Array.from({ length: 8 }, () => signOff(deps, input)));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    const mine = (await listSignoffs(deps, { problemKey: fx.p1.key })).filter(
      (s) => s.signedBy === 'U-double-click',
    );
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ id: results[0]!.id, revokedAt: null, brokenAt: null });
  });

  it('the database itself refuses a second standing row, but not one after a revoke', async () => {
    const deps = makeDeps(database.db);
    const input = { problemKey: fx.p1.key, modelRef: fx.ref('B'), userId: 'U-resign' };
    const first = await signOff(deps, input);
    const row = {
      problemId: first.problemId,
      modelId: first.modelId,
      passRate: first.passRate,
      signedBy: first.signedBy,
    };
    await expect(database.db.insert(signoffs).values(row)).rejects.toMatchObject({
      cause: expect.objectContaining({ constraint_name: 'signoffs_standing_uq' }),
    });
    await revokeSignoff(deps, { signoffId: first.id, userId: 'U-resign' });
    const second = await signOff(deps, input);
    expect(second.id).not.toBe(first.id);
    expect(second).toMatchObject({ revokedAt: null, signedBy: 'U-resign' });
  });
});
