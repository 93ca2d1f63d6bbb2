import { describe, expect, it } from 'vitest';
import {
  criticalMinorities,
  mcnemarPower,
  minDetectableChange,
  minOneWayFlips,
  patternsForPower,
  patternsToSettleThreshold,
  straddles,
  wilsonAt,
} from '../../src/core/evidence-stats.ts';
import { wilson } from '../../src/core/statistics.ts';

/*
 * Reference values computed here with exact integer arithmetic (BigInt), independently of the code under test,
 * which works in log space with a Lanczos lgamma.
 */

function choose(n: number, k: number): bigint {
  let out = 1n;
  for (let i = 0; i < k; i++) out = (out * BigInt(n - i)) / BigInt(i + 1);
  return out;
}

/** numerator / denominator as a float with 15+ good digits. */
function ratio(numerator: bigint, denominator: bigint): number {
  const scale = 10n ** 18n;
  return Number((numerator * scale) / denominator) / 1e18;
}

/** Exact McNemar rejection on (b fixed, c broken) at α = 1/20, in integers: 2·Σ_{i≤c} C(d, i) / 2^d < 1/20. */
function rejectsImprovement(b: number, c: number): boolean {
  if (c >= b) return false;
  const d = b + c;
  let tail = 0n;
  for (let i = 0; i <= c; i++) tail += choose(d, i);
  return 40n * tail < 2n ** BigInt(d);
}

/** P(reject, fixed > broken) with P(fix) = f/10 and P(break) = g/10 per pattern, by enumerating every (b, c). */
function exactPower(n: number, f: number, g: number): number {
  let hits = 0n;
  for (let b = 0; b <= n; b++) {
    for (let c = 0; b + c <= n; c++) {
      if (!rejectsImprovement(b, c)) continue;
      const ways = choose(n, b) * choose(n - b, c);
      hits +=
        ways * BigInt(f) ** BigInt(b) * BigInt(g) ** BigInt(c) * BigInt(10 - f - g) ** BigInt(n - b - c);
    }
  }
  return ratio(hits, 10n ** BigInt(n));
}

describe('minOneWayFlips', () => {
  it('is 6 at α = 0.05: 2·½^6 ≈ 0.031 rejects, 2·½^5 = 0.0625 does not', () => {
    expect(minOneWayFlips(0.05)).toBe(6);
    expect(rejectsImprovement(6, 0)).toBe(true);
    expect(rejectsImprovement(5, 0)).toBe(false);
  });
  it('is 8 at α = 0.01 (2/256 < 0.01 < 2/128)', () => {
    expect(minOneWayFlips(0.01)).toBe(8);
  });
  it('refuses an α outside (0, 1]', () => {
    expect(() => minOneWayFlips(0)).toThrow(RangeError);
  });
});

describe('minDetectableChange', () => {
  it.each([
    [5, null],
    [6, 1],
    [15, 6 / 15],
    [30, 0.2],
  ])('with %i patterns: %s', (n, expected) => {
    expect(minDetectableChange(n)).toBe(expected);
  });
});

describe('criticalMinorities', () => {
  it('matches an integer check of every split up to 40 discordant pairs', () => {
    const table = criticalMinorities(40);
    for (let d = 0; d <= 40; d++) {
      let expected = -1;
      for (let m = 0; m < d - m; m++) if (rejectsImprovement(d - m, m)) expected = m;
      expect(table[d], `d = ${d}`).toBe(expected);
    }
  });
});

describe('mcnemarPower', () => {
  it('equals the binomial table value P(Bin(15, 0.2) ≥ 6) = 0.0611', () => {
    expect(mcnemarPower(15, 0.2)).toBeCloseTo(0.0611, 4);
  });

  it.each([6, 10, 15, 25, 39, 60])('one-way change of 20 points, n = %i, matches exact enumeration', (n) => {
    expect(mcnemarPower(n, 0.2, 0)).toBeCloseTo(exactPower(n, 2, 0), 10);
  });

  it.each([
    [8, 3, 1],
    [14, 3, 1],
    [20, 4, 2],
    [30, 5, 1],
  ])('two-way churn, n = %i, P(fix) = %i/10, P(break) = %i/10, matches exact enumeration', (n, f, g) => {
    expect(mcnemarPower(n, f / 10, g / 10)).toBeCloseTo(exactPower(n, f, g), 10);
  });

  it('is 0 when nothing flips and refuses impossible probabilities', () => {
    expect(mcnemarPower(20, 0, 0)).toBe(0);
    expect(() => mcnemarPower(20, 0.7, 0.5)).toThrow(RangeError);
    expect(() => mcnemarPower(-1, 0.2)).toThrow(RangeError);
  });
});

describe('patternsForPower', () => {
  it('finds the first n with 80% power for a 20-point one-way change, checked exactly on both sides', () => {
    const n = patternsForPower(0.2) as number;
    expect(exactPower(n, 2, 0)).toBeGreaterThanOrEqual(0.8);
    expect(exactPower(n - 1, 2, 0)).toBeLessThan(0.8);
    expect(n).toBe(39);
  });

  it('needs more patterns when some break while others are fixed', () => {
    const n = patternsForPower(0.2, 0.1) as number;
    expect(n).toBeGreaterThan(39);
    expect(exactPower(n, 3, 1)).toBeGreaterThanOrEqual(0.8);
    expect(exactPower(n - 1, 3, 1)).toBeLessThan(0.8);
  });
});

describe('Wilson settling', () => {
  it('wilsonAt agrees with wilson on whole counts', () => {
    for (const [passed, n] of [
      [13, 15],
      [0, 10],
      [10, 10],
      [41, 57],
    ] as const) {
      const [a, b] = wilsonAt(passed / n, n);
      const [c, d] = wilson(passed, n);
      expect(a).toBeCloseTo(c, 12);
      expect(b).toBeCloseTo(d, 12);
    }
  });

  it('finds the first n at which the interval clears the threshold', () => {
    const n = patternsToSettleThreshold(0.9, 0.8) as number;
    expect(straddles(wilsonAt(0.9, n), 0.8)).toBe(false);
    expect(straddles(wilsonAt(0.9, n - 1), 0.8)).toBe(true);
    // 90% of n patterns: at the answer and one short of it, on whole counts where they exist.
    expect(wilson(Math.round(0.9 * 60), 60)[0]).toBeLessThan(0.8);
  });

  it('works below a threshold too, and gives up on a rate that sits on it', () => {
    const n = patternsToSettleThreshold(0.6, 0.8) as number;
    expect(wilsonAt(0.6, n)[1]).toBeLessThan(0.8);
    expect(wilsonAt(0.6, n - 1)[1]).toBeGreaterThanOrEqual(0.8);
    expect(patternsToSettleThreshold(0.8, 0.8)).toBeNull();
  });
});
