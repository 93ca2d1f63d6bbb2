import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binomialCdf, lgamma, mcnemarExact, wilson } from '../../src/core/statistics.ts';

/** Reference Wilson interval straight from the formula, for comparison. */
function wilsonByFormula(x: number, n: number, z = 1.96): [number, number] {
  const p = x / n;
  const centre = p + (z * z) / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  const d = 1 + (z * z) / n;
  return [(centre - spread) / d, (centre + spread) / d];
}

/** Exact two-sided sign test by direct summation (small n only). */
function mcnemarBySummation(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  let choose = 1;
  let sum = 0;
  for (let i = 0; i <= Math.min(b, c); i++) {
    sum += choose;
    choose = (choose * (n - i)) / (i + 1);
  }
  return Math.min(1, (2 * sum) / 2 ** n);
}

describe('lgamma', () => {
  it.each([
    [1, 0],
    [2, 0],
    [5, Math.log(24)],
    [11, Math.log(3628800)],
    [0.5, Math.log(Math.sqrt(Math.PI))],
  ])('lgamma(%d)', (x, expected) => {
    expect(lgamma(x)).toBeCloseTo(expected, 10);
  });
});

describe('binomialCdf', () => {
  it.each([
    [0, 5, 0.5, 1 / 32],
    [1, 11, 0.5, 12 / 2048],
    [5, 5, 0.5, 1],
    [-1, 5, 0.5, 0],
    [2, 4, 0.5, 11 / 16],
    [0, 3, 0, 1],
    [2, 3, 1, 0],
    [0, 0, 0.5, 1],
    [99998, 100000, 0.5, 1],
    [50000, 100000, 0.5, 0.5012615],
  ])('P(X ≤ %d | n=%d, p=%d)', (k, n, p, expected) => {
    expect(binomialCdf(k, n, p)).toBeCloseTo(expected, 6);
  });
});

describe('wilson', () => {
  it('n = 0 says nothing: the whole range', () => {
    expect(wilson(0, 0)).toEqual([0, 1]);
  });

  it.each([
    [13, 15],
    [12, 15],
    [1, 1],
    [0, 10],
    [10, 10],
    [50, 100],
    [1, 100000],
  ])('%d/%d matches the formula', (x, n) => {
    const [lo, hi] = wilson(x, n);
    const [flo, fhi] = wilsonByFormula(x, n);
    expect(lo).toBeCloseTo(Math.max(0, flo), 10);
    expect(hi).toBeCloseTo(Math.min(1, fhi), 10);
  });

  it('13/15 ≈ [0.621, 0.963]', () => {
    const [lo, hi] = wilson(13, 15);
    expect(lo).toBeCloseTo(0.621, 3);
    expect(hi).toBeCloseTo(0.963, 3);
  });

  it('all pass touches 1, all fail touches 0, neither collapses', () => {
    const [lo1, hi1] = wilson(10, 10);
    expect(hi1).toBe(1);
    expect(lo1).toBeLessThan(1);
    const [lo0, hi0] = wilson(0, 10);
    expect(lo0).toBe(0);
    expect(hi0).toBeGreaterThan(0);
  });

  it.each([
    [-1, 5],
    [6, 5],
    [1.5, 5],
    [1, Number.NaN],
  ])('rejects passed=%d, n=%d', (x, n) => {
    expect(() => wilson(x, n)).toThrow(RangeError);
  });

  it('contains the point estimate and stays in [0, 1]', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 100000 })
          .chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n))),
        ([x, n]) => {
          const [lo, hi] = wilson(x, n);
          expect(lo).toBeGreaterThanOrEqual(0);
          expect(hi).toBeLessThanOrEqual(1);
          expect(lo).toBeLessThanOrEqual(x / n);
          expect(hi).toBeGreaterThanOrEqual(x / n);
        },
      ),
    );
  });
});

describe('mcnemarExact', () => {
  it.each([
    [0, 0, 1],
    [0, 5, 0.0625],
    [5, 0, 0.0625],
    [1, 10, 0.01171875],
    [3, 3, 1],
    [4, 5, 1],
    [0, 1, 1],
    [0, 6, 0.03125],
  ])('mcnemarExact(%d, %d) = %d', (b, c, p) => {
    expect(mcnemarExact(b, c)).toBeCloseTo(p, 10);
  });

  it('13/15 vs 12/15 with one discordant pair is not significant', () => {
    expect(mcnemarExact(1, 0)).toBeGreaterThan(0.05);
    expect(mcnemarExact(2, 1)).toBeGreaterThan(0.05);
  });

  it.each([
    [0, 30],
    [7, 25],
    [20, 40],
    [100, 120],
  ])('agrees with direct summation for (%d, %d)', (b, c) => {
    expect(mcnemarExact(b, c)).toBeCloseTo(mcnemarBySummation(b, c), 10);
  });

  it.each([
    [50000, 50000, 1],
    [49000, 51000, 0],
    [0, 100000, 0],
  ])('is finite and sane for large n (%d, %d)', (b, c, expected) => {
    const p = mcnemarExact(b, c);
    expect(Number.isFinite(p)).toBe(true);
    expect(p).toBeCloseTo(expected, 6);
  });

  it('large n near the boundary matches the normal approximation', () => {
    // b = 49 800, c = 50 200: z = 400/√100000 ≈ 1.265 → two-sided p ≈ 0.206 (continuity-corrected ≈ 0.207).
    expect(mcnemarExact(49800, 50200)).toBeCloseTo(0.2075, 2);
  });

  it('is in [0, 1] and symmetric', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 2000 }), (b, c) => {
        const p = mcnemarExact(b, c);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(1);
        expect(mcnemarExact(c, b)).toBe(p);
      }),
    );
  });

  it.each([
    [-1, 2],
    [1.5, 2],
  ])('rejects (%d, %d)', (b, c) => {
    expect(() => mcnemarExact(b, c)).toThrow(RangeError);
  });
});
