import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { problemAcrossModelsChart } from '../../src/core/charts.ts';
import { compareOutcomes } from '../../src/core/compare.ts';
import { buildDigest } from '../../src/core/digest.ts';
import { evaluateGate } from '../../src/core/gate.ts';
import { metricsFromCounts } from '../../src/core/metrics.ts';
import { meetsThreshold, THRESHOLD_EPSILON } from '../../src/core/threshold.ts';
import { modelComparison } from '../../src/slack/blocks/models.ts';
import { latestText } from '../../src/slack/blocks/problem-card.ts';
import { problemLine } from '../../src/slack/blocks/problem-list.ts';

describe('meetsThreshold', () => {
  it.each([
    [12 / 15, 0.8, true],
    [12 / 15, 0.8 + THRESHOLD_EPSILON / 10, true],
    [12 / 15, 0.8 + 1e-6, false],
    [11 / 15, 0.8, false],
    [7 / 10, 0.7, true],
    [0, 0, true],
    [1, 1, true],
    [null, 0.8, null],
    [0.9, null, null],
    [Number.NaN, 0.8, null],
  ] as const)('rate %s against %s → %s', (rate, threshold, expected) => {
    expect(meetsThreshold(rate, threshold)).toBe(expected);
  });
});

/**
 * A problem at and around its boundary: the threshold is the pass rate itself, a hair either side of it
 * (inside and outside the epsilon), a round percent, or anything in [0, 1].
 */
const boundaryProblem = fc
  .integer({ min: 1, max: 60 })
  .chain((n) => fc.record({ n: fc.constant(n), passed: fc.integer({ min: 0, max: n }) }))
  .chain(({ n, passed }) =>
    fc.record({
      n: fc.constant(n),
      passed: fc.constant(passed),
      threshold: fc
        .oneof(
          fc.constant(passed / n),
          fc.constantFrom(-1e-12, 1e-12, -5e-10, 5e-10, -2e-9, 2e-9, -1e-6, 1e-6).map((d) => passed / n + d),
          fc.integer({ min: 0, max: 100 }).map((k) => k / 100),
          fc.double({ min: 0, max: 1, noNaN: true }),
        )
        .map((t) => Math.min(1, Math.max(0, t))),
    }),
  );

const outcomes = (n: number, passed: number) =>
  Array.from({ length: n }, (_, i) => ({
    patternId: i + 1,
    patternRevisionId: i + 1,
    status: i < passed ? ('passed' as const) : ('failed' as const),
    passShare: i < passed ? 1 : 0,
    flaky: false,
  }));

/** What each consumer says, read back from its own output the way a person would read it. */
function verdicts({ n, passed, threshold }: { n: number; passed: number; threshold: number }) {
  const metrics = metricsFromCounts({ passed, failed: n - passed, errored: 0 });
  const rate = metrics.passRate as number;

  // "Too few patterns to tell" still meets on its numbers (it fails only with --require-evidence).
  const status = evaluateGate([{ key: 'P-1', title: 't', threshold, metrics }]).problems[0]?.status;
  const gate = status === 'meets' || status === 'too_few_patterns';

  const digest = !buildDigest({
    since: new Date('2026-01-01T00:00:00Z'),
    now: new Date('2026-01-02T00:00:00Z'),
    newProblems: [],
    flaggedPatterns: [],
    latest: [
      {
        problemKey: 'P-1',
        title: 't',
        threshold,
        candidate: { model: 'm@v2', passRate: rate },
        production: null,
        verdict: null,
      },
    ],
    brokenSignoffs: [],
    pendingSignoffs: [],
  }).sections.some((s) => s.title === 'Below threshold');

  const chart = problemAcrossModelsChart({
    problem: { key: 'P-1', title: 't', threshold },
    points: [{ model: 'm@v2', rate, ci: metrics.ci, n }],
  });
  const bars = chart.config.data.datasets.find((d) => String(d.label).startsWith('Pass rate'));
  const below = problemAcrossModelsChart({
    problem: { key: 'P-1', title: 't', threshold: 1 },
    points: [{ model: 'm@v2', rate: 0, ci: null, n: 1 }],
  }).config.data.datasets.find((d) => String(d.label).startsWith('Pass rate'));
  const charts =
    (bars?.backgroundColor as string[] | undefined)?.[0] !==
    (below?.backgroundColor as string[] | undefined)?.[0];

  const card = latestText({ model: 'm@v2', passRate: rate, n }, threshold).includes(':white_check_mark:');

  const list = problemLine({
    key: 'P-1',
    title: 't',
    status: 'open',
    severity: 'medium',
    threshold,
    patternCount: n,
    rates: [{ model: 'm@v2', passRate: rate, n }],
  }).includes('✓');

  const same = outcomes(n, passed);
  const compare = JSON.stringify(
    modelComparison('m@v1', 'm@v2', [
      {
        key: 'P-1',
        title: 't',
        threshold,
        comparison: compareOutcomes(same, same),
        metricsA: metrics,
        metricsB: metrics,
      },
    ]).blocks,
  ).includes('✓');

  return { gate, digest, charts, card, list, compare };
}

describe('every consumer of a threshold agrees with meetsThreshold', () => {
  it('at 12/15 against 0.8, and a hair either side', () => {
    for (const [threshold, expected] of [
      [0.8, true],
      [0.8 + 1e-12, true],
      [0.8 + 1e-6, false],
    ] as const) {
      const said = verdicts({ n: 15, passed: 12, threshold });
      expect(said).toEqual({
        gate: expected,
        digest: expected,
        charts: expected,
        card: expected,
        list: expected,
        compare: expected,
      });
    }
  });

  it('on every problem at and around the boundary', () => {
    fc.assert(
      fc.property(boundaryProblem, (problem) => {
        const expected = meetsThreshold(problem.passed / problem.n, problem.threshold);
        const said = verdicts(problem);
        for (const [consumer, verdict] of Object.entries(said)) {
          if (verdict !== expected) {
            throw new Error(`${consumer} says ${verdict}, meetsThreshold says ${expected}`);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
