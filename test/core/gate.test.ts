import { describe, expect, it } from 'vitest';
import { compareOutcomes } from '../../src/core/compare.ts';
import type { GateProblemInput, GateProblemStatus } from '../../src/core/gate.ts';
import { evaluateGate } from '../../src/core/gate.ts';
import { metricsFromCounts } from '../../src/core/metrics.ts';
import type { OutcomeStatus } from '../../src/core/outcome.ts';
import { outcomes } from './factories.ts';

function problem(
  threshold: number | null,
  counts: Parameters<typeof metricsFromCounts>[0],
  extra: Partial<GateProblemInput> = {},
): GateProblemInput {
  return { key: 'P-3', title: 'Negation', threshold, metrics: metricsFromCounts(counts), ...extra };
}

const regressed = compareOutcomes(
  outcomes(Array(8).fill('passed') as OutcomeStatus[]),
  outcomes(Array(8).fill('failed') as OutcomeStatus[]),
);
const slightDrop = compareOutcomes(
  outcomes(['passed', 'passed', 'failed']),
  outcomes(['failed', 'failed', 'passed']),
);

describe('evaluateGate', () => {
  it.each<
    [string, GateProblemInput, { strict?: boolean; requireEvidence?: boolean }, GateProblemStatus, boolean]
  >([
    ['meets, interval clear of it', problem(0.8, { passed: 95, failed: 5, errored: 0 }), {}, 'meets', true],
    // 87% [62%, 96%]: meets on the numbers, but 15 patterns cannot tell which side of 80% the model is on.
    [
      'meets, too few to tell',
      problem(0.8, { passed: 13, failed: 2, errored: 0 }),
      {},
      'too_few_patterns',
      true,
    ],
    [
      'too few to tell fails with requireEvidence',
      problem(0.8, { passed: 13, failed: 2, errored: 0 }),
      { requireEvidence: true },
      'too_few_patterns',
      false,
    ],
    [
      'requireEvidence passes what is clear',
      problem(0.8, { passed: 95, failed: 5, errored: 0 }),
      { requireEvidence: true },
      'meets',
      true,
    ],
    [
      'exactly at threshold',
      problem(0.8, { passed: 8, failed: 2, errored: 0 }),
      {},
      'too_few_patterns',
      true,
    ],
    ['below', problem(0.8, { passed: 9, failed: 6, errored: 1 }), {}, 'below', false],
    [
      'strict: interval reaches below',
      problem(0.8, { passed: 13, failed: 2, errored: 0 }),
      { strict: true },
      'below',
      false,
    ],
    [
      'strict: interval clear',
      problem(0.5, { passed: 95, failed: 5, errored: 0 }),
      { strict: true },
      'meets',
      true,
    ],
    ['ungated', problem(null, { passed: 1, failed: 9, errored: 0 }), {}, 'ungated', true],
    [
      'nothing evaluated, gated',
      problem(0.8, { passed: 0, failed: 0, errored: 5 }),
      {},
      'not_evaluated',
      false,
    ],
    ['mostly errored, gated', problem(0.8, { passed: 4, failed: 0, errored: 5 }), {}, 'not_evaluated', false],
    [
      'half errored is enough to evaluate',
      problem(0.8, { passed: 5, failed: 0, errored: 5 }),
      {},
      'too_few_patterns',
      true,
    ],
    [
      'nothing evaluated, ungated',
      problem(null, { passed: 0, failed: 0, errored: 0 }),
      {},
      'not_evaluated',
      true,
    ],
    [
      'regressed, gated',
      problem(0.5, { passed: 8, failed: 2, errored: 0 }, { comparison: regressed }),
      {},
      'regressed',
      false,
    ],
    [
      'regressed, ungated',
      problem(null, { passed: 8, failed: 2, errored: 0 }, { comparison: regressed }),
      {},
      'regressed',
      false,
    ],
    [
      'below and regressed',
      problem(0.9, { passed: 0, failed: 8, errored: 0 }, { comparison: regressed }),
      {},
      'below',
      false,
    ],
    [
      'slight drop only warns',
      problem(0.5, { passed: 8, failed: 2, errored: 0 }, { comparison: slightDrop }),
      {},
      'too_few_patterns',
      true,
    ],
  ])('%s', (_name, input, opts, status, pass) => {
    const verdict = evaluateGate([input], opts);
    expect(verdict.problems[0]?.status).toBe(status);
    expect(verdict.pass).toBe(pass);
    expect(verdict.reasons.length > 0).toBe(!pass);
  });

  it('says why in a full sentence', () => {
    const verdict = evaluateGate([problem(0.8, { passed: 9, failed: 6, errored: 1 })]);
    expect(verdict.reasons).toEqual([
      'P-3 "Negation": pass rate 60% is below the threshold 80% (9/15 passed, 1 errored).',
    ]);
  });

  it('names the interval when strict', () => {
    const verdict = evaluateGate([problem(0.8, { passed: 13, failed: 2, errored: 0 })], { strict: true });
    expect(verdict.reasons[0]).toBe(
      'P-3 "Negation": pass rate 87% meets the threshold 80%, but its 95% interval [62%, 96%] reaches below it (13/15 passed).',
    );
  });

  it('shows a decimal when rounding would hide the gap', () => {
    const verdict = evaluateGate([problem(0.8, { passed: 399, failed: 101, errored: 0 })]);
    expect(verdict.reasons[0]).toContain('pass rate 79.8% is below the threshold 80%');
  });

  it('explains a regression and warns on flaky patterns and non-significant drops', () => {
    const verdict = evaluateGate([
      problem(null, { passed: 8, failed: 2, errored: 0 }, { key: 'P-1', comparison: regressed }),
      problem(0.5, { passed: 8, failed: 2, errored: 0, flaky: 2 }, { key: 'P-2', comparison: slightDrop }),
    ]);
    expect(verdict.reasons).toEqual([
      'P-1 "Negation": regressed against the baseline, 8 patterns broken and 0 fixed (p = 0.008).',
    ]);
    expect(verdict.warnings).toEqual([
      'P-2 "Negation": 2 flaky patterns left out of the pass rate (8/10 passed, 2 flaky).',
      'P-2 "Negation": 2 patterns broken and 1 fixed against the baseline; not significant (p = 1.000).',
    ]);
  });

  it('explains not evaluated', () => {
    const verdict = evaluateGate([problem(0.8, { passed: 1, failed: 1, errored: 8 })]);
    expect(verdict.reasons[0]).toBe(
      'P-3 "Negation": not evaluated, only 20% of patterns gave an answer, below the required 50% (1/2 passed, 8 errored).',
    );
  });

  it('honours minEvaluatedShare', () => {
    expect(
      evaluateGate([problem(0.5, { passed: 1, failed: 1, errored: 8 })], { minEvaluatedShare: 0.1 }).pass,
    ).toBe(true);
  });

  it('passes with no problems', () => {
    expect(evaluateGate([])).toEqual({ pass: true, problems: [], reasons: [], warnings: [] });
  });
});
