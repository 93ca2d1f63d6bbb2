import { describe, expect, it } from 'vitest';
import {
  compareSatisfaction,
  fisherExact,
  formatP,
  satisfaction,
  satisfactionLine,
} from '../../src/core/satisfaction.ts';

/** Reference p-values from SciPy 1.17 (scipy.stats.fisher_exact, two-sided), computed outside this code. */
const SCIPY: [number, number, number, number, number][] = [
  [3, 1, 1, 3, 0.48571428571428565],
  [1, 9, 11, 3, 0.0027594561852200836],
  [82, 18, 74, 26, 0.23192087400793293],
  [820, 180, 740, 260, 1.9278234904254804e-5],
  [0, 5, 5, 0, 0.007936507936507938],
  [7, 0, 3, 4, 0.06993006993006992],
  [41000, 9000, 40000, 10000, 7.994376203530031e-16],
  [2, 3, 2, 3, 1],
];

/** Exact rational two-sided Fisher p with BigInt factorials: slow, but shares nothing with the log-space code. */
function exactFisher(a: number, b: number, c: number, d: number): number {
  const fact = (n: number) => {
    let f = 1n;
    for (let i = 2n; i <= BigInt(n); i++) f *= i;
    return f;
  };
  const r1 = a + b;
  const r2 = c + d;
  const c1 = a + c;
  const n = r1 + r2;
  // Compare unnormalised numerators exactly: P(x) ∝ 1 / (x!(r1-x)!(c1-x)!(r2-c1+x)!).
  const denom = (x: number) => fact(x) * fact(r1 - x) * fact(c1 - x) * fact(r2 - c1 + x);
  const seen = denom(a);
  let hit = 0n;
  let all = 0n;
  const scale = fact(n);
  for (let x = Math.max(0, c1 - r2); x <= Math.min(r1, c1); x++) {
    const term = scale / denom(x);
    all += term;
    if (denom(x) >= seen) hit += term;
  }
  return Number((hit * 10n ** 15n) / all) / 1e15;
}

describe('fisherExact', () => {
  it.each(SCIPY)('[[%i, %i], [%i, %i]] matches SciPy (%f)', (a, b, c, d, p) => {
    expect(fisherExact(a, b, c, d)).toBeCloseTo(p, 12);
    if (p > 1e-12) expect(fisherExact(a, b, c, d) / p).toBeCloseTo(1, 8);
  });

  it.each([
    [4, 6, 9, 2],
    [10, 0, 0, 10],
    [12, 30, 20, 18],
    [1, 1, 1, 30],
  ])('[[%i, %i], [%i, %i]] matches exact rational arithmetic', (a, b, c, d) => {
    expect(fisherExact(a, b, c, d)).toBeCloseTo(exactFisher(a, b, c, d), 12);
  });

  it('is symmetric in rows and columns and 1 without evidence', () => {
    expect(fisherExact(3, 9, 7, 1)).toBeCloseTo(fisherExact(7, 1, 3, 9), 14);
    expect(fisherExact(3, 9, 7, 1)).toBeCloseTo(fisherExact(3, 7, 9, 1), 14);
    expect(fisherExact(0, 0, 5, 5)).toBe(1);
    expect(fisherExact(5, 0, 5, 0)).toBe(1);
    expect(fisherExact(0, 0, 0, 0)).toBe(1);
  });

  it('refuses non-counts', () => {
    expect(() => fisherExact(-1, 2, 3, 4)).toThrow(/a must be a count/);
    expect(() => fisherExact(1, 2.5, 3, 4)).toThrow(/b must be a count/);
  });
});

describe('satisfaction', () => {
  // SciPy uses z = 1.95996…, Canary z = 1.96: equal to 5 decimals.
  it('is the share of 👍 with the Wilson interval SciPy gives', () => {
    const s = satisfaction({ up: 82, down: 18 });
    expect(s.share).toBe(0.82);
    expect(s.ci[0]).toBeCloseTo(0.7333264161369927, 5);
    expect(s.ci[1]).toBeCloseTo(0.8829977450105365, 5);
  });

  it('has no share without ratings', () => {
    expect(satisfaction({ up: 0, down: 0 })).toMatchObject({ n: 0, share: null, ci: [0, 1] });
  });

  it('flags a significant drop only', () => {
    expect(compareSatisfaction({ up: 740, down: 260 }, { up: 820, down: 180 }).droppedSignificantly).toBe(
      true,
    );
    expect(compareSatisfaction({ up: 820, down: 180 }, { up: 740, down: 260 }).droppedSignificantly).toBe(
      false,
    );
    expect(compareSatisfaction({ up: 74, down: 26 }, { up: 82, down: 18 }).droppedSignificantly).toBe(false);
  });
});

describe('satisfactionLine', () => {
  it('reads like the digest', () => {
    expect(
      satisfactionLine(
        { label: 'v3', counts: { up: 820, down: 180 } },
        { label: 'v2', counts: { up: 740, down: 260 } },
      ),
    ).toBe('users: 82% 👍 on v3 [79–84%] vs 74% on v2, p < 0.001');
    expect(
      satisfactionLine(
        { label: 'v3', counts: { up: 82, down: 18 } },
        { label: 'v2', counts: { up: 74, down: 26 } },
      ),
    ).toBe('users: 82% 👍 on v3 [73–88%] vs 74% on v2, p = 0.23');
    expect(satisfactionLine({ label: 'v3', counts: { up: 0, down: 0 } })).toBe('users: no ratings yet on v3');
    expect(
      satisfactionLine(
        { label: 'v3', counts: { up: 1, down: 1 } },
        { label: 'v2', counts: { up: 0, down: 0 } },
      ),
    ).toBe('users: 50% 👍 on v3 [9–91%]; no ratings on v2');
  });

  it.each([
    [0.0123, 'p = 0.01'],
    [0.0449, 'p = 0.04'],
    [0.0004, 'p < 0.001'],
    [0.5, 'p = 0.50'],
  ])('formats p %f as %s', (p, text) => {
    expect(formatP(p)).toBe(text);
  });
});
