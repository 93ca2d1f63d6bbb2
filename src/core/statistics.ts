/**
 * Small-sample statistics for pass rates. Problems have tens of patterns, not thousands, so intervals and
 * tests are exact or score-based rather than normal approximations.
 */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; ~15 significant digits), so binomial terms never overflow. */
export function lgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const y = x - 1;
  let sum = LANCZOS[0] as number;
  for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] as number) / (y + i);
  const t = y + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln C(n, k). */
export function logChoose(n: number, k: number): number {
  return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
}

/** ln P(X = k) for X ~ Bin(n, p). */
export function binomialLogPmf(k: number, n: number, p: number): number {
  if (k < 0 || k > n) return Number.NEGATIVE_INFINITY;
  if (p === 0) return k === 0 ? 0 : Number.NEGATIVE_INFINITY;
  if (p === 1) return k === n ? 0 : Number.NEGATIVE_INFINITY;
  return logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p);
}

/** P(X ≤ k) for X ~ Bin(n, p), summed in log space (log-sum-exp) so n = 100 000 stays finite. */
export function binomialCdf(k: number, n: number, p: number): number {
  assertCount(n, 'n');
  if (k < 0) return 0;
  if (k >= n) return 1;
  const upper = Math.floor(k);
  const logs: number[] = [];
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i <= upper; i++) {
    const v = binomialLogPmf(i, n, p);
    logs.push(v);
    if (v > max) max = v;
  }
  if (max === Number.NEGATIVE_INFINITY) return 0;
  let sum = 0;
  for (const v of logs) sum += Math.exp(v - max);
  return Math.min(1, Math.exp(max + Math.log(sum)));
}

/**
 * Wilson score interval for a pass rate, clamped to [0, 1].
 * Edge cases: n = 0 means nothing was measured, so the interval is the whole range [0, 1];
 * all-pass and all-fail give intervals that touch 1 and 0 but never collapse to a point.
 */
export function wilson(passed: number, n: number, z = 1.96): [number, number] {
  assertCount(n, 'n');
  assertCount(passed, 'passed');
  if (passed > n) throw new RangeError(`passed (${passed}) cannot exceed n (${n}).`);
  if (n === 0) return [0, 1];
  const p = passed / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // Exact endpoints at 0/n and n/n; floating point would otherwise leave ±1e-17.
  const low = passed === 0 ? 0 : Math.max(0, centre - half);
  const high = passed === n ? 1 : Math.min(1, centre + half);
  return [low, high];
}

/**
 * Exact two-sided McNemar test on the discordant pairs: b patterns fixed, c broken.
 * Under "no change" each discordant pair is a fair coin, so p = min(1, 2·P(X ≤ min(b, c))) with
 * X ~ Bin(b + c, ½). No discordant pairs (b + c = 0) means no evidence at all: p = 1. Ties give p = 1.
 */
export function mcnemarExact(b: number, c: number): number {
  assertCount(b, 'b');
  assertCount(c, 'c');
  const n = b + c;
  if (n === 0) return 1;
  return Math.min(1, 2 * binomialCdf(Math.min(b, c), n, 0.5));
}

function assertCount(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0)
    throw new RangeError(`${name} must be a non-negative integer, got ${value}.`);
}
