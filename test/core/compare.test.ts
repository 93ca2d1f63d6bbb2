import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareOutcomes } from '../../src/core/compare.ts';
import type { OutcomeStatus, PatternOutcome } from '../../src/core/outcome.ts';
import { outcome, outcomes } from './factories.ts';

const P = 'passed' as const;
const F = 'failed' as const;
const E = 'errored' as const;

describe('compareOutcomes', () => {
  it('pairs by revision and sorts discordant pairs', () => {
    const baseline = outcomes([P, P, F, F, E, P]);
    const candidate = outcomes([P, F, P, F, P, E]);
    const c = compareOutcomes(baseline, [...candidate, outcome(99, P)]);
    expect(c).toMatchObject({
      paired: 4,
      stillPassing: [1],
      broken: [2],
      fixed: [3],
      stillFailing: [4],
      unpaired: [5, 6, 99],
      pValue: 1,
      verdict: 'no_clear_change',
      baselinePassRate: 0.5,
      candidatePassRate: 0.5,
    });
  });

  it('treats flaky outcomes as unpaired', () => {
    const c = compareOutcomes([outcome(1, F, true), outcome(2, P)], [outcome(1, P), outcome(2, F, true)]);
    expect(c.paired).toBe(0);
    expect(c.unpaired).toEqual([1, 2]);
    expect(c.baselinePassRate).toBeNull();
    expect(c.candidatePassRate).toBeNull();
  });

  it('13/15 vs 12/15 is not a clear change', () => {
    const baseline = outcomes([...Array(12).fill(P), F, F, F] as OutcomeStatus[]);
    const candidate = outcomes([...Array(12).fill(P), P, F, F] as OutcomeStatus[]);
    const c = compareOutcomes(baseline, candidate);
    expect(c.fixed).toEqual([13]);
    expect(c.verdict).toBe('no_clear_change');
    expect(c.candidatePassRate).toBeCloseTo(13 / 15);
    expect(c.baselinePassRate).toBeCloseTo(12 / 15);
  });

  it.each<[string, OutcomeStatus[], OutcomeStatus[], string]>([
    ['six fixed', [F, F, F, F, F, F, P], [P, P, P, P, P, P, P], 'improved'],
    ['six broken', [P, P, P, P, P, P, P], [F, F, F, F, F, F, P], 'regressed'],
    ['five broken is not enough (p = 0.0625)', [P, P, P, P, P], [F, F, F, F, F], 'no_clear_change'],
    ['nothing changed', [P, F], [P, F], 'no_clear_change'],
    ['no data', [], [], 'no_clear_change'],
  ])('%s → %s', (_name, a, b, verdict) => {
    expect(compareOutcomes(outcomes(a), outcomes(b)).verdict).toBe(verdict);
  });

  it('respects alpha', () => {
    const a = outcomes([P, P, P, P, P]);
    const b = outcomes([F, F, F, F, F]);
    expect(compareOutcomes(a, b, 0.1).verdict).toBe('regressed');
  });

  const status = fc.constantFrom<OutcomeStatus>(P, F, E);
  const side = fc
    .array(fc.tuple(fc.integer({ min: 1, max: 40 }), status, fc.boolean()), { maxLength: 40 })
    .map((rows) => {
      const seen = new Map<number, PatternOutcome>();
      for (const [id, s, flaky] of rows) seen.set(id, outcome(id, s, flaky && s !== E));
      return [...seen.values()];
    });

  it('is symmetric: swapping sides swaps fixed/broken and the verdict, keeps p', () => {
    const flip = {
      improved: 'regressed',
      regressed: 'improved',
      no_clear_change: 'no_clear_change',
    } as const;
    fc.assert(
      fc.property(side, side, (a, b) => {
        const ab = compareOutcomes(a, b);
        const ba = compareOutcomes(b, a);
        expect(ba.fixed).toEqual(ab.broken);
        expect(ba.broken).toEqual(ab.fixed);
        expect(ba.stillPassing).toEqual(ab.stillPassing);
        expect(ba.unpaired).toEqual(ab.unpaired);
        expect(ba.pValue).toBe(ab.pValue);
        expect(ba.verdict).toBe(flip[ab.verdict]);
        expect(ba.baselinePassRate).toBe(ab.candidatePassRate);
        expect(ab.paired + ab.unpaired.length).toBe(
          new Set([...a, ...b].map((o) => o.patternRevisionId)).size,
        );
      }),
    );
  });
});
