import type { Comparison } from './compare.ts';
import {
  EVIDENCE_ALPHA,
  EVIDENCE_EFFECT,
  EVIDENCE_POWER,
  mcnemarPower,
  minDetectableChange,
  minOneWayFlips,
  patternsForPower,
  patternsToSettleThreshold,
  straddles,
} from './evidence-stats.ts';
import type { Metrics } from './metrics.ts';
import { formatInterval, formatRate } from './metrics.ts';

/**
 * Whether a problem's verdict rests on enough patterns. "No clear change" means two different things — the
 * models really are alike, or there are too few patterns to tell — and this says which.
 */

export interface ComparisonEvidence {
  /** Patterns both models answered clearly (the test's n). */
  paired: number;
  /** Fewest one-way flips the exact McNemar test can call at α = 0.05 (6). */
  minFlips: number;
  /** minFlips / paired: the smallest change in pass rate that could show; null when paired < minFlips. */
  detectableChange: number | null;
  /** Chance of detecting a one-way change of `effect` with these many patterns. */
  power: number;
  effect: number;
  /** Paired patterns needed for 80% power at `effect`; null when more than the search limit. */
  patternsNeeded: number | null;
  /** How many patterns beyond `paired` that is (0 when already enough). */
  morePatterns: number | null;
  /** A significant verdict, or enough power that "no clear change" means "no change of that size". */
  conclusive: boolean;
}

export interface ThresholdEvidence {
  threshold: number;
  ci: [number, number] | null;
  /** The 95% interval has the threshold inside it: the patterns cannot tell which side the model is on. */
  straddles: boolean;
  /** Patterns beyond n that would settle it if the pass rate held; null when it cannot be settled. */
  morePatterns: number | null;
}

export type EvidenceStatus = 'enough' | 'too_few' | 'not_applicable';

export interface Evidence {
  /** not_applicable: nothing is being asked (no threshold, no comparison) or nothing was measured. */
  status: EvidenceStatus;
  comparison: ComparisonEvidence | null;
  threshold: ThresholdEvidence | null;
  /** One sentence for people, e.g. "Not enough patterns to tell: about 23 more would detect a 20-point change." */
  sentence: string;
}

export interface EvidenceInput {
  metrics: Metrics;
  threshold: number | null;
  comparison?: Comparison | null | undefined;
}

export interface EvidenceOptions {
  alpha?: number;
  power?: number;
  effect?: number;
}

export function comparisonEvidence(comparison: Comparison, opts: EvidenceOptions = {}): ComparisonEvidence {
  const alpha = opts.alpha ?? EVIDENCE_ALPHA;
  const effect = opts.effect ?? EVIDENCE_EFFECT;
  const target = opts.power ?? EVIDENCE_POWER;
  const paired = comparison.paired;
  const power = mcnemarPower(paired, effect, 0, alpha);
  const needed = patternsForPower(effect, 0, target, alpha);
  return {
    paired,
    minFlips: minOneWayFlips(alpha),
    detectableChange: minDetectableChange(paired, alpha),
    power,
    effect,
    patternsNeeded: needed,
    morePatterns: needed === null ? null : Math.max(0, needed - paired),
    conclusive: comparison.verdict !== 'no_clear_change' || power >= target,
  };
}

export function thresholdEvidence(metrics: Metrics, threshold: number): ThresholdEvidence {
  if (metrics.n === 0 || metrics.passRate === null || metrics.ci === null)
    return { threshold, ci: null, straddles: true, morePatterns: null };
  const inside = straddles(metrics.ci, threshold);
  const settle = inside ? patternsToSettleThreshold(metrics.passRate, threshold) : metrics.n;
  return {
    threshold,
    ci: metrics.ci,
    straddles: inside,
    morePatterns: settle === null ? null : Math.max(0, settle - metrics.n),
  };
}

export function assessEvidence(input: EvidenceInput, opts: EvidenceOptions = {}): Evidence {
  const { metrics, threshold } = input;
  if (metrics.n === 0) {
    return {
      status: 'not_applicable',
      comparison: null,
      threshold: null,
      sentence: 'No pattern gave a usable answer, so there is no evidence either way.',
    };
  }
  const comparison = input.comparison ? comparisonEvidence(input.comparison, opts) : null;
  const limit = threshold === null ? null : thresholdEvidence(metrics, threshold);
  const parts: string[] = [];
  const short = (comparison !== null && !comparison.conclusive) || (limit?.straddles ?? false);
  if (limit) parts.push(thresholdClause(limit));
  if (comparison) parts.push(comparisonClause(comparison));
  if (!comparison && !limit) {
    return {
      status: 'not_applicable',
      comparison: null,
      threshold: null,
      sentence: hypotheticalClause(metrics.n, opts),
    };
  }
  const status: EvidenceStatus = short ? 'too_few' : 'enough';
  const lead = short ? 'Not enough patterns to tell: ' : 'Enough patterns: ';
  return { status, comparison, threshold: limit, sentence: `${lead}${parts.join('; ')}.` };
}

function thresholdClause(t: ThresholdEvidence): string {
  const limit = formatRate(t.threshold);
  if (!t.straddles) {
    const side = t.ci !== null && t.ci[0] >= t.threshold ? 'above' : 'below';
    return `the 95% interval ${formatInterval(t.ci)} lies ${side} the ${limit} threshold`;
  }
  const settle =
    t.morePatterns === null
      ? 'the pass rate sits on it, so more patterns alone may not settle it'
      : `about ${t.morePatterns} more at this pass rate would settle it`;
  return `the 95% interval ${formatInterval(t.ci)} straddles the ${limit} threshold; ${settle}`;
}

function comparisonClause(c: ComparisonEvidence): string {
  const size = `a ${Math.round(c.effect * 100)}-point change`;
  if (c.conclusive && c.power >= EVIDENCE_POWER)
    return `${c.paired} shared patterns would detect ${size} ${Math.round(c.power * 100)}% of the time`;
  if (c.conclusive) return `the change against the baseline is significant on ${c.paired} shared patterns`;
  const floor =
    c.detectableChange === null
      ? `with ${c.paired} shared patterns no change can be significant (it takes ${c.minFlips} one-way flips)`
      : `with ${c.paired} shared patterns only a change of ${c.minFlips}+ one-way flips (${formatRate(c.detectableChange)}) could show`;
  const more =
    c.morePatterns === null
      ? `more than a few thousand patterns would be needed for ${size}`
      : `about ${c.morePatterns} more would detect ${size}`;
  return `${floor}; ${more}`;
}

function hypotheticalClause(n: number, opts: EvidenceOptions): string {
  const change = minDetectableChange(n, opts.alpha ?? EVIDENCE_ALPHA);
  return change === null
    ? `With ${n} patterns no comparison between models could be significant yet.`
    : `With ${n} patterns a comparison could only show a change of ${formatRate(change)} or more.`;
}
