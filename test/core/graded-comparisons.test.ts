import { describe, expect, it } from 'vitest';
import { distinctGraders, graderBreakNote, graderSegments } from '../../src/core/chart-graders.ts';
import { problemAcrossModelsChart, problemsOverModelsChart } from '../../src/core/charts.ts';
import { compareOutcomes, describeNotComparable } from '../../src/core/compare.ts';
import { evaluateGate } from '../../src/core/gate.ts';
import type { OutcomeStatus, PatternOutcome } from '../../src/core/outcome.ts';
import { foldRuns, gradedByOf } from '../../src/core/outcome.ts';
import { metrics, outcome } from './factories.ts';

const P = 'passed' as const;
const F = 'failed' as const;
const E = 'errored' as const;

function graded(id: number, status: OutcomeStatus, by?: string): PatternOutcome {
  return { ...outcome(id, status), ...(by === undefined ? {} : { gradedBy: by }) };
}

describe('comparisons of results graded by different graders', () => {
  // Revisions 1–6 graded by judge@1 on the baseline; on the candidate 1–2 by judge@1, 3–5 by judge@2, 6 by emb@1.
  const baseline = [
    graded(1, P, 'judge@1'),
    graded(2, F, 'judge@1'),
    graded(3, P, 'judge@1'),
    graded(4, P, 'judge@1'),
    graded(5, F, 'judge@1'),
    graded(6, P, 'judge@1'),
    graded(7, P),
    graded(8, P, 'judge@1'),
  ];
  const candidate = [
    graded(1, F, 'judge@1'),
    graded(2, P, 'judge@1'),
    graded(3, F, 'judge@2'),
    graded(4, F, 'judge@2'),
    graded(5, P, 'judge@2'),
    graded(6, F, 'emb@1'),
    graded(7, F),
    graded(8, E, 'judge@2'),
  ];

  it('leaves pairs graded differently out of fixed, broken and the test, and lists them', () => {
    const c = compareOutcomes(baseline, candidate);
    expect(c.broken).toEqual([1, 7]);
    expect(c.fixed).toEqual([2]);
    expect(c.paired).toBe(3);
    // An errored side is unpaired as before, whatever graded it.
    expect(c.unpaired).toEqual([8]);
    expect(c.notComparable).toEqual([
      { patternRevisionId: 3, baseline: 'judge@1', candidate: 'judge@2' },
      { patternRevisionId: 4, baseline: 'judge@1', candidate: 'judge@2' },
      { patternRevisionId: 5, baseline: 'judge@1', candidate: 'judge@2' },
      { patternRevisionId: 6, baseline: 'judge@1', candidate: 'emb@1' },
    ]);
    expect(c.baselinePassRate).toBeCloseTo(2 / 3);
    expect(c.candidatePassRate).toBeCloseTo(1 / 3);
    expect(describeNotComparable(c)).toBe(
      '4 not comparable (graded by judge@1 vs judge@2: 3; judge@1 vs emb@1: 1)',
    );
  });

  it('names the single grader pair without counts', () => {
    const c = compareOutcomes([graded(1, P, 'judge@1')], [graded(1, F, 'judge@2')]);
    expect(c.paired).toBe(0);
    expect(c.broken).toEqual([]);
    expect(describeNotComparable(c)).toBe('1 not comparable (graded by judge@1 vs judge@2)');
  });

  it('a graded side against an ungraded one is not comparable either', () => {
    const c = compareOutcomes([graded(1, P)], [graded(1, P, 'toxicity@1')]);
    expect(c.notComparable).toEqual([
      { patternRevisionId: 1, baseline: 'no grader', candidate: 'toxicity@1' },
    ]);
  });

  it('the same grader on both sides compares as before', () => {
    const c = compareOutcomes(
      [graded(1, P, 'judge@1'), graded(2, F, 'judge@1')],
      [graded(1, F, 'judge@1'), graded(2, F, 'judge@1')],
    );
    expect(c).toMatchObject({ paired: 2, broken: [1], stillFailing: [2], notComparable: [] });
    expect(describeNotComparable(c)).toBeNull();
  });

  it('swapping sides swaps the graders named', () => {
    const c = compareOutcomes(candidate, baseline);
    expect(c.notComparable[0]).toEqual({ patternRevisionId: 3, baseline: 'judge@2', candidate: 'judge@1' });
    expect(c.fixed).toEqual([1, 7]);
  });

  it('the gate warns about them and does not count them as broken', () => {
    const comparison = compareOutcomes(
      [graded(1, P, 'judge@1'), graded(2, P, 'judge@1')],
      [graded(1, F, 'judge@2'), graded(2, F, 'judge@2')],
    );
    const verdict = evaluateGate([
      { key: 'P-1', title: 'Rude', threshold: null, metrics: metrics({ passed: 0, failed: 2 }), comparison },
    ]);
    const problem = verdict.problems[0]!;
    expect(problem.status).not.toBe('regressed');
    expect(problem.warnings).toContain(
      'P-1 "Rude": 2 not comparable (graded by judge@1 vs judge@2), left out of the comparison with the baseline.',
    );
  });
});

describe('folding runs keeps who graded them', () => {
  it('joins the distinct graders of repeats, sorted', () => {
    const [o] = foldRuns([
      { patternId: 1, patternRevisionId: 1, status: P, gradedBy: 'judge@2' },
      { patternId: 1, patternRevisionId: 1, status: P, gradedBy: 'judge@1' },
      { patternId: 1, patternRevisionId: 1, status: P, gradedBy: 'judge@2' },
    ]);
    expect(o?.gradedBy).toBe('judge@1 + judge@2');
    const [plain] = foldRuns([{ patternId: 2, patternRevisionId: 2, status: F }]);
    expect(plain).not.toHaveProperty('gradedBy');
  });

  it.each([
    [{ grading: { by: 'judge@1' } }, 'judge@1'],
    [{ grading: { by: '' } }, undefined],
    [{ grading: null }, undefined],
    [{ label: 'x' }, undefined],
    [null, undefined],
    ['text', undefined],
  ])('reads the recorded grader of %j', (prediction, by) => {
    expect(gradedByOf(prediction)).toBe(by);
  });
});

describe('charts break where graders change', () => {
  it('segments consecutive measured points by grader; gaps do not break', () => {
    expect(
      graderSegments([0.5, null, 0.6, 0.7, 0.2], ['judge@1', null, 'judge@1', 'judge@2', 'judge@2']),
    ).toEqual([
      { gradedBy: 'judge@1', indexes: [0, 2] },
      { gradedBy: 'judge@2', indexes: [3, 4] },
    ]);
    expect(graderSegments([0.5, 0.6], undefined)).toEqual([{ gradedBy: 'no grader', indexes: [0, 1] }]);
  });

  it('a problem over models is drawn as one line per grader, with a note', () => {
    const spec = problemsOverModelsChart({
      models: ['bot@1', 'bot@2', 'bot@3'],
      problems: [
        {
          key: 'P-1',
          title: 'Rude',
          threshold: null,
          rates: [0.5, 0.6, 0.9],
          graders: ['judge@1', 'judge@1', 'judge@2'],
        },
        { key: 'P-2', title: 'Long', threshold: null, rates: [0.4, 0.5, 0.6] },
      ],
    });
    const lines = spec.config.data.datasets;
    expect(lines.map((d) => d.label)).toEqual(['Rude · judge@1', 'Rude · judge@2', 'Long']);
    expect(lines[0]!.data).toEqual([50, 60, null]);
    expect(lines[1]!.data).toEqual([null, null, 90]);
    expect(lines[2]!.data).toEqual([40, 50, 60]);
    const plugins = spec.config.options['plugins'] as { subtitle?: { text: string } };
    expect(plugins.subtitle?.text).toBe('Not comparable across a break (graded by judge@1 vs judge@2: P-1)');
  });

  it('no note and one line per problem when graders agree', () => {
    const spec = problemsOverModelsChart({
      models: ['bot@1', 'bot@2'],
      problems: [
        { key: 'P-1', title: 'Rude', threshold: null, rates: [0.5, 0.6], graders: ['judge@1', 'judge@1'] },
      ],
    });
    expect(spec.config.data.datasets).toHaveLength(1);
    expect((spec.config.options['plugins'] as { subtitle?: unknown }).subtitle).toBeUndefined();
  });

  it('bars of one problem name their grader when they differ', () => {
    const points = [
      { model: 'bot@1', rate: 0.5, ci: [0.3, 0.7] as [number, number], n: 10, gradedBy: 'judge@1' },
      { model: 'bot@2', rate: 0.8, ci: [0.6, 0.9] as [number, number], n: 10, gradedBy: 'judge@2' },
      { model: 'bot@3', rate: null, ci: null, n: 0, gradedBy: null },
    ];
    expect(distinctGraders(points)).toEqual(['judge@1', 'judge@2']);
    const spec = problemAcrossModelsChart({
      problem: { key: 'P-1', title: 'Rude', threshold: null },
      points,
    });
    expect(spec.config.data.labels).toEqual([
      ['bot@1', 'n=10', 'judge@1'],
      ['bot@2', 'n=10', 'judge@2'],
      ['bot@3', 'n=0', 'no grader'],
    ]);
    const plugins = spec.config.options['plugins'] as { subtitle?: { text: string } };
    expect(plugins.subtitle?.text).toBe('Not comparable: graded by judge@1 vs judge@2');
  });

  it('the note names every series per grader change', () => {
    expect(
      graderBreakNote([
        { name: 'P-1', segments: graderSegments([1, 1], ['a@1', 'a@2']) },
        { name: 'P-2', segments: graderSegments([1, 1], ['a@1', 'a@2']) },
        { name: 'P-3', segments: graderSegments([1, 1], ['e@1', 'e@2']) },
      ]),
    ).toBe('Not comparable across a break (graded by a@1 vs a@2: P-1, P-2; graded by e@1 vs e@2: P-3)');
  });
});
