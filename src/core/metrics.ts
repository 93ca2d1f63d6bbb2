import type { PatternOutcome } from './outcome.ts';
import { wilson } from './statistics.ts';

/** Per (model, problem). Errored outcomes are counted but never enter the pass rate. */
export interface Metrics {
  /** Evaluated outcomes: passed + failed. */
  n: number;
  passed: number;
  failed: number;
  errored: number;
  flaky: number;
  /** passed / n, null when n = 0. */
  passRate: number | null;
  /** 95% Wilson score interval, null when n = 0. */
  ci: [number, number] | null;
}

export interface OutcomeCounts {
  passed: number;
  failed: number;
  errored: number;
  flaky?: number;
}

/**
 * Pass rate of a model on a problem. Flaky outcomes are reported on their own and kept out of n, passed and
 * failed: a coin-flip pattern must not nudge a verdict either way. Errored outcomes never enter n.
 */
export function computeMetrics(outcomes: readonly PatternOutcome[]): Metrics {
  const counts = { passed: 0, failed: 0, errored: 0, flaky: 0 };
  for (const outcome of outcomes) {
    if (outcome.status === 'errored') counts.errored++;
    else if (outcome.flaky) counts.flaky++;
    else if (outcome.status === 'passed') counts.passed++;
    else counts.failed++;
  }
  return metricsFromCounts(counts);
}

/** Metrics from counts already aggregated (e.g. by SQL). n = 0 gives passRate and ci null. */
export function metricsFromCounts({ passed, failed, errored, flaky = 0 }: OutcomeCounts): Metrics {
  const n = passed + failed;
  return {
    n,
    passed,
    failed,
    errored,
    flaky,
    passRate: n === 0 ? null : passed / n,
    ci: n === 0 ? null : wilson(passed, n),
  };
}

/** "87%", or "–" when there is nothing to rate. */
export function formatRate(rate: number | null): string {
  if (rate === null || Number.isNaN(rate)) return '–';
  return `${Math.round(rate * 100)}%`;
}

/** "[72%, 95%]", or "–" when there is no interval. */
export function formatInterval(ci: readonly [number, number] | null): string {
  if (ci === null) return '–';
  return `[${formatRate(ci[0])}, ${formatRate(ci[1])}]`;
}
