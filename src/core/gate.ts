import { type Comparison, describeNotComparable } from './compare.ts';
import { assessEvidence, type Evidence } from './evidence.ts';
import { formatInterval, formatRate, type Metrics } from './metrics.ts';
import { meetsThreshold } from './threshold.ts';

export interface GateProblemInput {
  key: string;
  title: string;
  threshold: number | null;
  metrics: Metrics;
  /** Against the baseline model, when there is one. */
  comparison?: Comparison;
}

export type GateProblemStatus =
  | 'meets'
  | 'below'
  | 'not_evaluated'
  | 'regressed'
  | 'ungated'
  /** Passes on its numbers, but its patterns cannot tell (interval straddles the threshold, or too little power). */
  | 'too_few_patterns';

export interface GateProblemVerdict {
  key: string;
  title: string;
  status: GateProblemStatus;
  reasons: string[];
  warnings: string[];
  /** What the problem's patterns can show (evidence.ts). */
  evidence?: Evidence;
}

export interface GateVerdict {
  pass: boolean;
  problems: GateProblemVerdict[];
  /** One sentence per failing problem, ready to print. */
  reasons: string[];
  warnings: string[];
}

export interface GateOptions {
  /** Also fail when the lower end of the 95% interval is below the threshold. */
  strict?: boolean;
  alpha?: number;
  /** Share of patterns that must give an answer (not error) for the problem to count as evaluated. */
  minEvaluatedShare?: number;
  /** Also fail problems whose patterns are too few to tell (status too_few_patterns). */
  requireEvidence?: boolean;
}

/**
 * Whether a candidate may ship. A problem fails the gate when it is gated (has a threshold) and is below it
 * or was not really evaluated, or when it regressed significantly against the baseline, gated or not.
 */
export function evaluateGate(problems: readonly GateProblemInput[], opts: GateOptions = {}): GateVerdict {
  const verdicts = problems.map((p) => withEvidence(p, judgeProblem(p, opts), opts));
  const failing = verdicts.filter((v) => fails(v, opts));
  return {
    pass: failing.length === 0,
    problems: verdicts,
    reasons: failing.flatMap((v) => v.reasons),
    warnings: verdicts.flatMap((v) => v.warnings),
  };
}

/**
 * A problem that passes on its numbers but whose patterns cannot tell (the interval straddles the threshold,
 * or a comparison has too little power) gets its own status; with requireEvidence that fails the gate.
 */
function withEvidence(
  problem: GateProblemInput,
  verdict: GateProblemVerdict,
  opts: GateOptions,
): GateProblemVerdict {
  const evidence = assessEvidence({
    metrics: problem.metrics,
    threshold: problem.threshold,
    comparison: problem.comparison,
  });
  const passing = verdict.status === 'meets' || verdict.status === 'ungated';
  if (!passing || evidence.status !== 'too_few') return { ...verdict, evidence };
  const name = `${problem.key} ${JSON.stringify(problem.title)}`;
  const sentence = `${name}: ${evidence.sentence}`;
  return {
    ...verdict,
    status: 'too_few_patterns',
    reasons: opts.requireEvidence ? [...verdict.reasons, sentence] : verdict.reasons,
    evidence,
  };
}

function fails(verdict: GateProblemVerdict, opts: GateOptions): boolean {
  return (
    (verdict.status === 'too_few_patterns' && opts.requireEvidence === true) ||
    verdict.status === 'below' ||
    verdict.status === 'regressed' ||
    (verdict.status === 'not_evaluated' && verdict.reasons.length > 0)
  );
}

function judgeProblem(problem: GateProblemInput, opts: GateOptions): GateProblemVerdict {
  const { threshold, metrics, comparison } = problem;
  const name = `${problem.key} ${JSON.stringify(problem.title)}`;
  const counts = describeCounts(metrics);
  const reasons: string[] = [];
  const warnings: string[] = [];
  let status: GateProblemStatus = threshold === null ? 'ungated' : 'meets';

  if (metrics.flaky > 0) {
    warnings.push(
      `${name}: ${plural(metrics.flaky, 'flaky pattern')} left out of the pass rate (${counts}).`,
    );
  }

  const minShare = opts.minEvaluatedShare ?? 0.5;
  const total = metrics.n + metrics.flaky + metrics.errored;
  const evaluatedShare = total === 0 ? 0 : (metrics.n + metrics.flaky) / total;
  if (metrics.n === 0 || metrics.passRate === null || evaluatedShare < minShare) {
    const why =
      metrics.n === 0
        ? `no pattern gave a usable answer (${counts})`
        : `only ${formatRate(evaluatedShare)} of patterns gave an answer, below the required ${formatRate(minShare)} (${counts})`;
    const sentence = `${name}: not evaluated, ${why}.`;
    // An ungated problem that could not be evaluated is worth a warning, not a failure.
    (threshold === null ? warnings : reasons).push(sentence);
    return { key: problem.key, title: problem.title, status: 'not_evaluated', reasons, warnings };
  }

  if (threshold !== null) {
    const rate = formatRate(metrics.passRate);
    const limit = formatThreshold(threshold);
    if (!meetsThreshold(metrics.passRate, threshold)) {
      status = 'below';
      reasons.push(
        `${name}: pass rate ${rate === limit ? precise(metrics.passRate) : rate} is below the threshold ${limit} (${counts}).`,
      );
    } else if (opts.strict && metrics.ci !== null && !meetsThreshold(metrics.ci[0], threshold)) {
      status = 'below';
      reasons.push(
        `${name}: pass rate ${rate} meets the threshold ${limit}, but its 95% interval ${formatInterval(metrics.ci)} reaches below it (${counts}).`,
      );
    }
  }

  if (comparison) {
    const apart = describeNotComparable(comparison);
    if (apart !== null) warnings.push(`${name}: ${apart}, left out of the comparison with the baseline.`);
    const fixed = comparison.fixed.length;
    const broken = comparison.broken.length;
    const p = formatP(comparison.pValue);
    if (comparison.verdict === 'regressed') {
      if (status !== 'below') status = 'regressed';
      reasons.push(
        `${name}: regressed against the baseline, ${plural(broken, 'pattern')} broken and ${fixed} fixed (${p}).`,
      );
    } else if (broken > fixed) {
      warnings.push(
        `${name}: ${plural(broken, 'pattern')} broken and ${fixed} fixed against the baseline; not significant (${p}).`,
      );
    }
  }

  return { key: problem.key, title: problem.title, status, reasons, warnings };
}

function describeCounts(m: Metrics): string {
  const parts = [`${m.passed}/${m.n} passed`];
  if (m.errored > 0) parts.push(`${m.errored} errored`);
  if (m.flaky > 0) parts.push(`${m.flaky} flaky`);
  return parts.join(', ');
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** One decimal when whole percents would hide the difference (79.6% vs 80%). */
function precise(rate: number): string {
  return `${(Math.floor(rate * 1000) / 10).toFixed(1)}%`;
}

function formatThreshold(threshold: number): string {
  const percent = threshold * 100;
  return Number.isInteger(Math.round(percent * 1e6) / 1e6)
    ? `${Math.round(percent)}%`
    : `${percent.toFixed(1)}%`;
}

function formatP(p: number): string {
  return p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`;
}
