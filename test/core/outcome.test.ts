import { describe, expect, it } from 'vitest';
import type { OutcomeStatus } from '../../src/core/outcome.ts';
import { foldRuns, type PatternRun } from '../../src/core/outcome.ts';

function runs(statuses: OutcomeStatus[], revision = 7): PatternRun[] {
  return statuses.map((status, i) => ({
    patternId: 3,
    patternRevisionId: revision,
    status,
    reason: `run ${i} ${status}`,
  }));
}

describe('foldRuns', () => {
  it.each<[string, OutcomeStatus[], OutcomeStatus, number | null, boolean]>([
    ['single pass', ['passed'], 'passed', 1, false],
    ['single fail', ['failed'], 'failed', 0, false],
    ['single error', ['errored'], 'errored', null, false],
    ['all pass', ['passed', 'passed', 'passed'], 'passed', 1, false],
    ['all fail', ['failed', 'failed'], 'failed', 0, false],
    ['all errored', ['errored', 'errored'], 'errored', null, false],
    ['disagree', ['passed', 'failed', 'passed'], 'failed', 2 / 3, true],
    ['pass + error is a pass', ['passed', 'errored'], 'passed', 1, false],
    ['fail + error is a fail', ['errored', 'failed'], 'failed', 0, false],
    ['disagree with errors', ['passed', 'errored', 'failed', 'errored'], 'failed', 0.5, true],
  ])('%s', (_name, statuses, status, passShare, flaky) => {
    const [folded, ...rest] = foldRuns(runs(statuses));
    expect(rest).toEqual([]);
    expect(folded).toMatchObject({ patternId: 3, patternRevisionId: 7, status, passShare, flaky });
  });

  it('keeps the failing reason when the outcome failed', () => {
    const [folded] = foldRuns(runs(['passed', 'failed']));
    expect(folded?.reason).toBe('run 1 failed');
  });

  it('groups by revision in first-seen order', () => {
    const folded = foldRuns([...runs(['failed'], 9), ...runs(['passed'], 2), ...runs(['passed'], 9)]);
    expect(folded.map((o) => [o.patternRevisionId, o.status, o.flaky])).toEqual([
      [9, 'failed', true],
      [2, 'passed', false],
    ]);
  });

  it('folds nothing to nothing', () => {
    expect(foldRuns([])).toEqual([]);
  });
});

describe('foldRuns on one run', () => {
  // The one-run shortcut must give what folding a longer group gives: the same run repeated folds the same way.
  it('agrees with the general fold for every status, reason and grader', () => {
    for (const status of ['passed', 'failed', 'errored'] as const)
      for (const reason of [undefined, '', 'why'])
        for (const gradedBy of [undefined, 'judge@1']) {
          const run: PatternRun = {
            patternId: 3,
            patternRevisionId: 7,
            status,
            ...(reason === undefined ? {} : { reason }),
            ...(gradedBy === undefined ? {} : { gradedBy }),
          };
          const [single] = foldRuns([run]);
          const [twice] = foldRuns([run, run]);
          expect(single).toStrictEqual(twice);
        }
  });
});
