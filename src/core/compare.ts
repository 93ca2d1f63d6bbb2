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
  /** Exact two-sided McNemar p-value on the discordant pairs (1 when there are none). */
  pValue: number;
  verdict: Verdict;
  baselinePassRate: number | null;
  candidatePassRate: number | null;
}

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
  for (const id of ids) {
    const before = clearAnswer(a.get(id));
    const after = clearAnswer(b.get(id));
    if (before === null || after === null) unpaired.push(id);
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
