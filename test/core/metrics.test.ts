import { describe, expect, it } from 'vitest';
import { computeMetrics, formatInterval, formatRate, metricsFromCounts } from '../../src/core/metrics.ts';
import { wilson } from '../../src/core/statistics.ts';
import { outcome, outcomes } from './factories.ts';

describe('computeMetrics', () => {
  it('is empty-safe', () => {
    expect(computeMetrics([])).toEqual({
      n: 0,
      passed: 0,
      failed: 0,
      errored: 0,
      flaky: 0,
      passRate: null,
      ci: null,
    });
  });

  it('keeps errored and flaky out of n', () => {
    const m = computeMetrics([
      ...outcomes(['passed', 'passed', 'passed', 'failed', 'errored']),
      outcome(10, 'failed', true),
      outcome(11, 'failed', true),
    ]);
    expect(m).toMatchObject({ n: 4, passed: 3, failed: 1, errored: 1, flaky: 2, passRate: 0.75 });
    expect(m.ci).toEqual(wilson(3, 4));
  });

  it.each([
    ['all errored', outcomes(['errored', 'errored']), null],
    ['all pass', outcomes(['passed', 'passed']), 1],
    ['all fail', outcomes(['failed', 'failed']), 0],
  ])('%s', (_name, list, rate) => {
    expect(computeMetrics(list).passRate).toBe(rate);
  });
});

describe('metricsFromCounts', () => {
  it.each([
    [{ passed: 13, failed: 2, errored: 1 }, 15, 13 / 15, 0],
    [{ passed: 0, failed: 0, errored: 4, flaky: 1 }, 0, null, 1],
  ])('%j', (counts, n, rate, flaky) => {
    const m = metricsFromCounts(counts);
    expect(m.n).toBe(n);
    expect(m.passRate).toBe(rate);
    expect(m.flaky).toBe(flaky);
    expect(m.ci === null).toBe(n === 0);
  });
});

describe('formatting', () => {
  it.each([
    [13 / 15, '87%'],
    [1, '100%'],
    [0, '0%'],
    [0.005, '1%'],
    [null, '–'],
  ])('formatRate(%s) = %s', (rate, text) => {
    expect(formatRate(rate)).toBe(text);
  });

  it.each<[[number, number] | null, string]>([
    [[0.72, 0.95], '[72%, 95%]'],
    [[0, 1], '[0%, 100%]'],
    [null, '–'],
  ])('formatInterval(%j) = %s', (ci, text) => {
    expect(formatInterval(ci)).toBe(text);
  });
});
