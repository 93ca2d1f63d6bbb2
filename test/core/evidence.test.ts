import { describe, expect, it } from 'vitest';
import { compareOutcomes } from '../../src/core/compare.ts';
import { assessEvidence } from '../../src/core/evidence.ts';
import { metricsFromCounts } from '../../src/core/metrics.ts';
import type { OutcomeStatus } from '../../src/core/outcome.ts';
import { outcomes } from './factories.ts';

function pairs(fixed: number, broken: number, same: number) {
  const before: OutcomeStatus[] = [
    ...Array<OutcomeStatus>(fixed).fill('failed'),
    ...Array<OutcomeStatus>(broken).fill('passed'),
    ...Array<OutcomeStatus>(same).fill('passed'),
  ];
  const after: OutcomeStatus[] = [
    ...Array<OutcomeStatus>(fixed).fill('passed'),
    ...Array<OutcomeStatus>(broken).fill('failed'),
    ...Array<OutcomeStatus>(same).fill('passed'),
  ];
  return compareOutcomes(outcomes(before), outcomes(after));
}

describe('assessEvidence', () => {
  it('says 15 shared patterns cannot tell a 20-point change, and how many more would', () => {
    const e = assessEvidence({
      metrics: metricsFromCounts({ passed: 14, failed: 1, errored: 0 }),
      threshold: null,
      comparison: pairs(2, 1, 12),
    });
    expect(e.status).toBe('too_few');
    expect(e.comparison).toMatchObject({
      paired: 15,
      minFlips: 6,
      detectableChange: 0.4,
      patternsNeeded: 39,
      morePatterns: 24,
    });
    expect(e.sentence).toBe(
      'Not enough patterns to tell: with 15 shared patterns only a change of 6+ one-way flips (40%) could show; about 24 more would detect a 20-point change.',
    );
  });

  it('calls "no clear change" on 60 shared patterns real: a 20-point change would have shown', () => {
    const e = assessEvidence({
      metrics: metricsFromCounts({ passed: 50, failed: 10, errored: 0 }),
      threshold: null,
      comparison: pairs(1, 1, 58),
    });
    expect(e.status).toBe('enough');
    expect(e.comparison?.conclusive).toBe(true);
    expect(e.sentence).toMatch(
      /^Enough patterns: 60 shared patterns would detect a 20-point change 9\d% of the time\.$/,
    );
  });

  it('takes a significant change as enough evidence, however few the patterns', () => {
    const e = assessEvidence({
      metrics: metricsFromCounts({ passed: 8, failed: 0, errored: 0 }),
      threshold: null,
      comparison: pairs(8, 0, 0),
    });
    expect(e.status).toBe('enough');
    expect(e.sentence).toContain('significant on 8 shared patterns');
  });

  it('with fewer shared patterns than one-way flips needed, no change can show', () => {
    const e = assessEvidence({
      metrics: metricsFromCounts({ passed: 4, failed: 0, errored: 0 }),
      threshold: null,
      comparison: pairs(0, 0, 4),
    });
    expect(e.sentence).toContain(
      'with 4 shared patterns no change can be significant (it takes 6 one-way flips)',
    );
  });

  it('for a threshold: straddling is too few, with how many more would settle it', () => {
    const e = assessEvidence({
      metrics: metricsFromCounts({ passed: 13, failed: 2, errored: 0 }),
      threshold: 0.8,
    });
    expect(e.status).toBe('too_few');
    expect(e.threshold).toMatchObject({ straddles: true });
    expect(e.threshold?.morePatterns).toBeGreaterThan(100);
    expect(e.sentence).toMatch(
      /^Not enough patterns to tell: the 95% interval \[62%, 96%\] straddles the 80% threshold; about \d+ more at this pass rate would settle it\.$/,
    );
  });

  it('for a threshold: an interval clear of it is enough', () => {
    const e = assessEvidence({
      metrics: metricsFromCounts({ passed: 95, failed: 5, errored: 0 }),
      threshold: 0.8,
    });
    expect(e.status).toBe('enough');
    expect(e.sentence).toBe('Enough patterns: the 95% interval [89%, 98%] lies above the 80% threshold.');
    const below = assessEvidence({
      metrics: metricsFromCounts({ passed: 10, failed: 90, errored: 0 }),
      threshold: 0.8,
    });
    expect(below.sentence).toContain('lies below the 80% threshold');
  });

  it('is not applicable with nothing asked or nothing measured', () => {
    const none = assessEvidence({
      metrics: metricsFromCounts({ passed: 0, failed: 0, errored: 3 }),
      threshold: 0.8,
    });
    expect(none.status).toBe('not_applicable');
    const open = assessEvidence({
      metrics: metricsFromCounts({ passed: 9, failed: 6, errored: 0 }),
      threshold: null,
    });
    expect(open).toMatchObject({ status: 'not_applicable', comparison: null, threshold: null });
    expect(open.sentence).toBe('With 15 patterns a comparison could only show a change of 40% or more.');
  });
});
