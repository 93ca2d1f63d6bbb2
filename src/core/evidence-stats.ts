import { binomialCdf, binomialLogPmf, mcnemarExact } from './statistics.ts';

/**
 * What a problem's patterns can show at all: detectability and power of the exact McNemar test, and how many
 * patterns a Wilson interval needs to clear a threshold. Pure and exact (no normal approximations): problems
 * have 10–50 patterns, where approximations are worst.
 *
 * Model behind the power figures (see docs/evidence.md): each of n paired patterns independently flips from
 * failing to passing with probability pFixed and from passing to failing with probability pBroken; the net
 * change in pass rate is pFixed − pBroken. The verdicts use pBroken = 0 (a one-way change), the most
 * favourable case, so "about k more patterns" is the least that would do.
 */

export const EVIDENCE_ALPHA = 0.05;
export const EVIDENCE_POWER = 0.8;
/** The change size the sentences talk about: 20 points of pass rate. */
export const EVIDENCE_EFFECT = 0.2;
/** Searches stop here: past it the answer is "more than this many", which is as good as "never". */
export const MAX_PATTERNS_SEARCHED = 5000;
/** The same limit when patterns also break (two-way churn), where each power figure is far dearer. */
export const MAX_CHURN_SEARCHED = 400;

/**
 * The fewest one-way flips (k fixed, none broken) for which the exact two-sided McNemar test gives p < α:
 * p = 2·½^k, so 6 at α = 0.05 (2/64 ≈ 0.031; 5 gives 0.0625).
 */
export function minOneWayFlips(alpha = EVIDENCE_ALPHA): number {
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`alpha must be in (0, 1], got ${alpha}.`);
  let k = 1;
  while (mcnemarExact(k, 0) >= alpha) k++;
  return k;
}

/**
 * The smallest change in pass rate the test could call with n paired patterns: minOneWayFlips / n, reached
 * only when every discordant pattern moves the same way. null when n is below minOneWayFlips (nothing could
 * ever be significant).
 */
export function minDetectableChange(n: number, alpha = EVIDENCE_ALPHA): number | null {
  const k = minOneWayFlips(alpha);
  return n < k ? null : k / n;
}

/**
 * For d discordant pairs, the largest minority count m (patterns moving the "wrong" way) that the exact
 * McNemar test still rejects at α; −1 when no split of d rejects. Index d of the returned array.
 */
export function criticalMinorities(maxD: number, alpha = EVIDENCE_ALPHA): number[] {
  const out: number[] = [];
  let m = -1;
  for (let d = 0; d <= maxD; d++) {
    // m(d) never decreases: P(X ≤ m) for X ~ Bin(d, ½) falls as d grows, so a split that rejects at d still
    // rejects at d + 1. Starting from the previous m keeps the whole table linear.
    let candidate = m;
    while (candidate + 1 < d - (candidate + 1) && mcnemarExact(candidate + 1, d - candidate - 1) < alpha)
      candidate++;
    m = candidate;
    out.push(m);
  }
  return out;
}

/**
 * Exact probability that the two-sided McNemar test at α declares an improvement (fixed > broken, p < α),
 * under the flip model above. Sums over the number of discordant pairs d ~ Bin(n, pFixed + pBroken) and,
 * given d, the broken count ~ Bin(d, pBroken / (pFixed + pBroken)).
 */
export function mcnemarPower(n: number, pFixed: number, pBroken = 0, alpha = EVIDENCE_ALPHA): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}.`);
  if (pFixed < 0 || pBroken < 0 || pFixed + pBroken > 1 + 1e-12)
    throw new RangeError(
      `flip probabilities must be ≥ 0 and sum to at most 1, got ${pFixed} and ${pBroken}.`,
    );
  const discordance = Math.min(1, pFixed + pBroken);
  if (discordance === 0) return 0;
  if (pBroken === 0) return 1 - binomialCdf(minOneWayFlips(alpha) - 1, n, pFixed);
  const wrongWay = pBroken / discordance;
  const critical = criticalMinorities(n, alpha);
  let power = 0;
  for (let d = 1; d <= n; d++) {
    const m = critical[d] as number;
    if (m < 0) continue;
    power += Math.exp(binomialLogPmf(d, n, discordance)) * binomialCdf(m, d, wrongWay);
  }
  return Math.min(1, power);
}

/**
 * The fewest paired patterns for which mcnemarPower reaches the target; null past MAX_PATTERNS_SEARCHED.
 * With pBroken > 0 power is a sawtooth in n (exact tests); this is the first n that reaches it.
 */
export function patternsForPower(
  effect = EVIDENCE_EFFECT,
  pBroken = 0,
  target = EVIDENCE_POWER,
  alpha = EVIDENCE_ALPHA,
): number | null {
  const pFixed = effect + pBroken;
  if (pBroken === 0) {
    // Power rises with n here, so a binary search is exact.
    let low = minOneWayFlips(alpha);
    let high = low;
    while (mcnemarPower(high, pFixed, 0, alpha) < target) {
      if (high >= MAX_PATTERNS_SEARCHED) return null;
      low = high + 1;
      high = Math.min(MAX_PATTERNS_SEARCHED, high * 2);
    }
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if (mcnemarPower(mid, pFixed, 0, alpha) >= target) high = mid;
      else low = mid + 1;
    }
    return high;
  }
  // Each exact power here costs O(n²), so the linear search stops at MAX_CHURN_SEARCHED (null past it).
  for (let n = minOneWayFlips(alpha); n <= MAX_CHURN_SEARCHED; n++)
    if (mcnemarPower(n, pFixed, pBroken, alpha) >= target) return n;
  return null;
}

/** Wilson score interval for a real-valued pass rate (the rate assumed to hold as patterns are added). */
export function wilsonAt(rate: number, n: number, z = 1.96): [number, number] {
  if (n <= 0) return [0, 1];
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (rate + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((rate * (1 - rate)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Whether the interval has the threshold inside it (so the patterns cannot say which side the model is on). */
export function straddles(ci: readonly [number, number], threshold: number): boolean {
  return ci[0] < threshold && threshold <= ci[1];
}

/**
 * The fewest patterns at which, if the observed rate held, the Wilson interval would no longer straddle the
 * threshold. null when the rate sits on the threshold (no number of patterns settles it) or the answer is
 * past MAX_PATTERNS_SEARCHED.
 */
export function patternsToSettleThreshold(rate: number, threshold: number): number | null {
  const settled = (n: number) => !straddles(wilsonAt(rate, n), threshold);
  if (Math.abs(rate - threshold) < 1e-9) return null;
  let high = 1;
  while (!settled(high)) {
    if (high >= MAX_PATTERNS_SEARCHED) return null;
    high = Math.min(MAX_PATTERNS_SEARCHED, high * 2);
  }
  // The interval narrows as n grows, so once settled it stays settled: binary search is exact.
  let low = 1;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (settled(mid)) high = mid;
    else low = mid + 1;
  }
  return high;
}
