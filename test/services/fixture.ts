import type { Pattern } from '../../src/core/pattern.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import { addPatterns, editPattern } from '../../src/services/patterns.ts';
import { createProblem, updateProblem } from '../../src/services/problems.ts';
import { insertModelRow, insertResults, type ResultSpec } from './helpers.ts';

/**
 * A small world with hand-written results whose numbers are easy to check by hand:
 *  P1 (threshold 0.6): a b c d e — A: P P F F E (2/4), B: P F P P P (4/5), R (3 runs): a PPP, b PFP (flaky),
 *    c FFF, d EEE, e PEP → 2/3 with 1 flaky, 1 errored.
 *  P2 (ungated): f g, plus `old` whose results belong to a superseded revision. A: P F, B: P P.
 *  P3 (won't fix): h — never reported.
 */
export async function buildFixture(deps: ServiceDeps, tag: string) {
  const p1 = await createProblem(deps, { title: `${tag} gated`, threshold: 0.6 });
  const p2 = await createProblem(deps, { title: `${tag} ungated` });
  const p3 = await createProblem(deps, { title: `${tag} wont fix`, threshold: 0.9 });
  const draft = (problem: string, input: string) => ({
    problem,
    input,
    expectation: { label: 'negative' },
    polarity: 'positive' as const,
    source: 'contrived' as const,
    notes: '',
  });
  const { created } = await addPatterns(deps, [
    ...['a', 'b', 'c', 'd', 'e'].map((i) => draft(p1.key, `${tag} ${i}`)),
    ...['f', 'g', 'old'].map((i) => draft(p2.key, `${tag} ${i}`)),
    draft(p3.key, `${tag} h`),
  ]);
  const [a, b, c, d, e, f, g, old, h] = created as [
    Pattern,
    Pattern,
    Pattern,
    Pattern,
    Pattern,
    Pattern,
    Pattern,
    Pattern,
    Pattern,
  ];
  const A = await insertModelRow(deps.db, { name: tag, version: 'A', registeredAt: new Date('2026-01-01') });
  const B = await insertModelRow(deps.db, { name: tag, version: 'B', registeredAt: new Date('2026-02-01') });
  const R = await insertModelRow(deps.db, {
    name: tag,
    version: 'R',
    registeredAt: new Date('2026-03-01'),
    repeats: 3,
  });
  const Z = await insertModelRow(deps.db, {
    name: tag,
    version: 'Z',
    registeredAt: new Date('2026-04-01'),
    status: 'retired',
  });
  const runs = (modelId: number, pattern: Pattern, statuses: string) =>
    [...statuses].map(
      (s, i): ResultSpec => ({
        modelId,
        pattern,
        run: i + 1,
        status: s === 'P' ? 'passed' : s === 'F' ? 'failed' : 'errored',
        label: s === 'P' ? 'negative' : 'positive',
      }),
    );
  await insertResults(deps.db, [
    ...runs(A, a, 'P'),
    ...runs(A, b, 'P'),
    ...runs(A, c, 'F'),
    ...runs(A, d, 'F'),
    ...runs(A, e, 'E'),
    ...runs(B, a, 'P'),
    ...runs(B, b, 'F'),
    ...runs(B, c, 'P'),
    ...runs(B, d, 'P'),
    ...runs(B, e, 'P'),
    ...runs(R, a, 'PPP'),
    ...runs(R, b, 'PFP'),
    ...runs(R, c, 'FFF'),
    ...runs(R, d, 'EEE'),
    ...runs(R, e, 'PEP'),
    ...runs(A, f, 'P'),
    ...runs(A, g, 'F'),
    ...runs(A, old, 'F'),
    ...runs(B, f, 'P'),
    ...runs(B, g, 'P'),
    ...runs(B, old, 'F'),
    ...runs(A, h, 'F'),
    ...runs(B, h, 'F'),
    ...runs(Z, a, 'F'),
  ]);
  const oldEdited = await editPattern(deps, old.id, { input: `${tag} old, reworded` });
  await updateProblem(deps, p3.key, { status: 'wont_fix' });
  return {
    p1,
    p2,
    p3,
    a,
    b,
    c,
    d,
    e,
    f,
    g,
    old: oldEdited,
    h,
    A,
    B,
    R,
    Z,
    ref: (v: string) => `${tag}@${v}`,
  };
}
