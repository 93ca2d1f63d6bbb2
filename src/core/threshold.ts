/**
 * Whether a pass rate meets a problem's threshold: the gate, reports, the digest, Slack and charts all ask
 * this one function, so none of them can disagree at the boundary. Thresholds arrive rounded (parseThreshold
 * keeps six decimals) or typed by API clients, and pass rates are quotients, so a rate a person reads as
 * "exactly 80%" may sit a hair below 0.8 in floating point: within EPSILON it meets.
 */
export const THRESHOLD_EPSILON = 1e-9;

/** Null when there is nothing to judge: the problem is not gated, or no pattern gave an answer. */
export function meetsThreshold(rate: number, threshold: number): boolean;
export function meetsThreshold(rate: number | null, threshold: number | null): boolean | null;
export function meetsThreshold(rate: number | null, threshold: number | null): boolean | null {
  if (rate === null || threshold === null || Number.isNaN(rate)) return null;
  return rate >= threshold - THRESHOLD_EPSILON;
}
