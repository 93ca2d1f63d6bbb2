import { logChoose, wilson } from './statistics.ts';

/**
 * User satisfaction: the share of 👍 among ratings, with its Wilson interval, and two model versions
 * compared with Fisher's exact test. Pure: counts in, numbers and sentences out.
 */

export interface RatingCounts {
  up: number;
  down: number;
}

export interface Satisfaction extends RatingCounts {
  n: number;
  /** Share of 👍; null when nobody rated (no evidence, not 0%). */
  share: number | null;
  /** 95% Wilson interval; [0, 1] when n = 0. */
  ci: [number, number];
}

export function satisfaction(counts: RatingCounts): Satisfaction {
  const n = counts.up + counts.down;
  return { ...counts, n, share: n === 0 ? null : counts.up / n, ci: wilson(counts.up, n) };
}

/** ln P(X = x) for X hypergeometric: x successes in a draw of `draws` from `total` holding `successes`. */
function hypergeomLogPmf(x: number, successes: number, total: number, draws: number): number {
  return logChoose(successes, x) + logChoose(total - successes, draws - x) - logChoose(total, draws);
}

/**
 * Two-sided Fisher exact test on the 2×2 table [[a, b], [c, d]]: the probability, with the margins fixed, of
 * a table at most as likely as the one seen. Summed in log space so tables of 100 000 ratings stay finite.
 * A table with an empty row or column carries no evidence: p = 1.
 */
export function fisherExact(a: number, b: number, c: number, d: number): number {
  for (const [v, name] of [
    [a, 'a'],
    [b, 'b'],
    [c, 'c'],
    [d, 'd'],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be a count, got ${v}.`);
  }
  const row1 = a + b;
  const col1 = a + c;
  const total = a + b + c + d;
  if (row1 === 0 || row1 === total || col1 === 0 || col1 === total) return 1;
  const lo = Math.max(0, col1 - (total - row1));
  const hi = Math.min(row1, col1);
  const observed = hypergeomLogPmf(a, row1, total, col1);
  // Relative tolerance as R and SciPy use: tables equally likely up to rounding count as "as extreme".
  const cutoff = observed + Math.log1p(1e-7);
  const logs: number[] = [];
  let max = Number.NEGATIVE_INFINITY;
  for (let x = lo; x <= hi; x++) {
    const v = hypergeomLogPmf(x, row1, total, col1);
    if (v <= cutoff) {
      logs.push(v);
      if (v > max) max = v;
    }
  }
  let sum = 0;
  for (const v of logs) sum += Math.exp(v - max);
  return Math.min(1, Math.exp(max + Math.log(sum)));
}

export interface SatisfactionComparison {
  candidate: Satisfaction;
  baseline: Satisfaction;
  /** Fisher's exact test, two-sided. */
  p: number;
  /** The candidate's share is below the baseline's and p < alpha. */
  droppedSignificantly: boolean;
}

export function compareSatisfaction(
  candidate: RatingCounts,
  baseline: RatingCounts,
  alpha = 0.05,
): SatisfactionComparison {
  const cand = satisfaction(candidate);
  const base = satisfaction(baseline);
  const p = fisherExact(candidate.up, candidate.down, baseline.up, baseline.down);
  const dropped = cand.share !== null && base.share !== null && cand.share < base.share && p < alpha;
  return { candidate: cand, baseline: base, p, droppedSignificantly: dropped };
}

export function formatP(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  if (p < 0.1) return `p = ${p.toPrecision(1)}`;
  return `p = ${p.toFixed(2)}`;
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

/**
 * The sentence the digest, summaries and reports share, e.g.
 * `users: 82% 👍 on v3 [76–87%] vs 74% on v2, p = 0.01`. Versions are labels (v3, or name@version).
 */
export function satisfactionLine(
  candidate: { label: string; counts: RatingCounts },
  baseline?: { label: string; counts: RatingCounts },
): string {
  const cand = satisfaction(candidate.counts);
  if (cand.share === null) return `users: no ratings yet on ${candidate.label}`;
  const own = `users: ${percent(cand.share)} 👍 on ${candidate.label} [${Math.round(cand.ci[0] * 100)}–${percent(cand.ci[1])}]`;
  if (!baseline) return own;
  const base = satisfaction(baseline.counts);
  if (base.share === null) return `${own}; no ratings on ${baseline.label}`;
  const { p } = compareSatisfaction(candidate.counts, baseline.counts);
  return `${own} vs ${percent(base.share)} on ${baseline.label}, ${formatP(p)}`;
}
