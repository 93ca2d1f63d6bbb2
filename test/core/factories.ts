import type { Prediction } from '../../src/core/expectations/handler.ts';
import type { Metrics } from '../../src/core/metrics.ts';
import type { OutcomeStatus, PatternOutcome } from '../../src/core/outcome.ts';

export function outcome(patternRevisionId: number, status: OutcomeStatus, flaky = false): PatternOutcome {
  return {
    patternId: patternRevisionId,
    patternRevisionId,
    status,
    flaky,
    passShare: status === 'errored' ? null : flaky ? 0.5 : status === 'passed' ? 1 : 0,
  };
}

/** n outcomes with the given statuses, revision ids starting at `from`. */
export function outcomes(statuses: readonly OutcomeStatus[], from = 1): PatternOutcome[] {
  return statuses.map((s, i) => outcome(from + i, s));
}

export function prediction(fields: Partial<Prediction> = {}): Prediction {
  return { raw: fields, ...fields };
}

export function metrics(fields: Partial<Metrics> & { passed: number; failed: number }): Metrics {
  const n = fields.passed + fields.failed;
  return {
    n,
    errored: 0,
    flaky: 0,
    passRate: n === 0 ? null : fields.passed / n,
    ci: null,
    ...fields,
  };
}
