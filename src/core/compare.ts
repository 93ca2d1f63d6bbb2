import type { PatternOutcome } from './outcome.ts';
import { mcnemarExact } from './statistics.ts';

export type Verdict = 'improved' | 'regressed' | 'no_clear_change';

/** Model A (baseline) against model B (candidate) on the same pattern revisions. */
export interface Comparison {
  /** Revisions both models have a non-errored outcome for. */
  paired: number;
  fixed: number[]; // pattern revision ids failing on A, passing on B
  broken: number[]; // passing on A, failing on B
  stillFailing: number[];
  stillPassing: number[];
  /** Revisions skipped because either side errored or lacked a result. */
  unpaired: number[];
  /**
   * Revisions both models answered clearly but whose results different graders or embedders decided
   * (judge@1 on one side, judge@2 on the other): left out of fixed/broken and the test rather than mixed.
   */
  notComparable: NotComparable[];
  /** Exact two-sided McNemar p-value on the discordant pairs (1 when there are none). */
  pValue: number;
  verdict: Verdict;
  baselinePassRate: number | null;
  candidatePassRate: number | null;
}

export interface NotComparable {
  patternRevisionId: number;
  /** name@version of the grader(s) on each side; "no grader" when a side's result was not graded. */
  baseline: string;
  candidate: string;
}

const UNGRADED = 'no grader';

/** Only outcomes with a clear answer can be paired: errored and flaky ones say nothing reliable. */
function clearAnswer(outcome: PatternOutcome | undefined): boolean | null {
  if (outcome === undefined || outcome.status === 'errored' || outcome.flaky) return null;
  return outcome.status === 'passed';
}

function byRevision(outcomes: readonly PatternOutcome[]): Map<number, PatternOutcome> {
  return new Map(outcomes.map((o) => [o.patternRevisionId, o]));
}

/**
 * Baseline vs candidate on the same pattern revisions. Pass rates are over paired revisions only, so both
 * models are judged on exactly the same questions. The verdict is the exact McNemar test on fixed vs broken.
 * Swapping the sides swaps fixed/broken and improved/regressed and keeps the p-value.
 */
export function compareOutcomes(
  baseline: readonly PatternOutcome[],
  candidate: readonly PatternOutcome[],
  alpha = 0.05,
): Comparison {
  const a = byRevision(baseline);
  const b = byRevision(candidate);
  const ids = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => x - y);
  const fixed: number[] = [];
  const broken: number[] = [];
  const stillFailing: number[] = [];
  const stillPassing: number[] = [];
  const unpaired: number[] = [];
  const notComparable: NotComparable[] = [];
  for (const id of ids) {
    const before = clearAnswer(a.get(id));
    const after = clearAnswer(b.get(id));
    const graders = { baseline: a.get(id)?.gradedBy ?? UNGRADED, candidate: b.get(id)?.gradedBy ?? UNGRADED };
    if (before === null || after === null) unpaired.push(id);
    else if (graders.baseline !== graders.candidate)
      notComparable.push({ patternRevisionId: id, ...graders });
    else if (before && after) stillPassing.push(id);
    else if (before) broken.push(id);
    else if (after) fixed.push(id);
    else stillFailing.push(id);
  }
  const paired = fixed.length + broken.length + stillFailing.length + stillPassing.length;
  const pValue = mcnemarExact(fixed.length, broken.length);
  return {
    paired,
    fixed,
    broken,
    stillFailing,
    stillPassing,
    unpaired,
    notComparable,
    pValue,
    verdict: verdictOf(pValue, fixed.length, broken.length, alpha),
    baselinePassRate: paired === 0 ? null : (stillPassing.length + broken.length) / paired,
    candidatePassRate: paired === 0 ? null : (stillPassing.length + fixed.length) / paired,
  };
}

function verdictOf(pValue: number, fixed: number, broken: number, alpha: number): Verdict {
  if (pValue >= alpha || fixed === broken) return 'no_clear_change';
  return fixed > broken ? 'improved' : 'regressed';
}

/** Not-comparable pairs grouped by the two graders, largest group first (ties by name, so output is stable). */
export function notComparableGroups(
  c: Pick<Comparison, 'notComparable'>,
): { baseline: string; candidate: string; count: number }[] {
  const groups = new Map<string, { baseline: string; candidate: string; count: number }>();
  for (const n of c.notComparable) {
    const key = `${n.baseline}\u0000${n.candidate}`;
    const g = groups.get(key) ?? { baseline: n.baseline, candidate: n.candidate, count: 0 };
    g.count += 1;
    groups.set(key, g);
  }
  return [...groups.values()].sort(
    (x, y) =>
      y.count - x.count || x.baseline.localeCompare(y.baseline) || x.candidate.localeCompare(y.candidate),
  );
}

/**
 * "2 not comparable (graded by judge@1 vs judge@2)", or with several grader pairs
 * "3 not comparable (graded by judge@1 vs judge@2: 2; emb@1 vs emb@2: 1)"; null when every pair compares.
 */
export function describeNotComparable(c: Pick<Comparison, 'notComparable'>): string | null {
  const groups = notComparableGroups(c);
  if (groups.length === 0) return null;
  const total = c.notComparable.length;
  const only = groups.length === 1 ? groups[0] : undefined;
  const detail = only
    ? `${only.baseline} vs ${only.candidate}`
    : groups.map((g) => `${g.baseline} vs ${g.candidate}: ${g.count}`).join('; ');
  return `${total} not comparable (graded by ${detail})`;
}
