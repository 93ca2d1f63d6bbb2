export type EvaluationTrigger = 'register' | 'backfill' | 'manual' | 'ci';
export type EvaluationStatus = 'queued' | 'running' | 'done' | 'failed';
export type OutcomeStatus = 'passed' | 'failed' | 'errored';

/** One pattern revision's outcome on one model (runs folded together when repeats > 1). */
export interface PatternOutcome {
  patternId: number;
  patternRevisionId: number;
  /** For repeats > 1: passed when every run passed, failed when none did, flaky is set when runs disagree. */
  status: OutcomeStatus;
  /** Share of passing runs among non-errored runs; 1 or 0 for a single run; null when all errored. */
  passShare: number | null;
  flaky: boolean;
  reason?: string;
  /**
   * Which grader or embedder (name@version) decided it, for judge and similar checks; several joined with
   * " + " when repeats were graded by different ones. Results graded differently are not comparable.
   */
  gradedBy?: string;
}

export interface PatternRun {
  patternId: number;
  patternRevisionId: number;
  status: OutcomeStatus;
  reason?: string;
  gradedBy?: string;
}

/**
 * Folds repeated runs of the same pattern revision into one outcome. Errored runs say nothing about the
 * model's answer, so they are left out of passShare and out of "disagreement": passed + errored is a plain
 * pass. Passed + failed is flaky, with status failed (it did not pass every time) and passShare the share.
 * Output order follows each revision's first run.
 */
export function foldRuns(runs: readonly PatternRun[]): PatternOutcome[] {
  const groups = new Map<number, PatternRun[]>();
  for (const run of runs) {
    const group = groups.get(run.patternRevisionId);
    if (group) group.push(run);
    else groups.set(run.patternRevisionId, [run]);
  }
  return [...groups.values()].map(foldGroup);
}

function foldGroup(group: PatternRun[]): PatternOutcome {
  const first = group[0] as PatternRun;
  // One run (the common case): the same outcome as the general fold below, without its arrays and sets.
  if (group.length === 1) return foldSingle(first);
  const evaluated = group.filter((r) => r.status !== 'errored');
  const graders = [...new Set(group.flatMap((r) => (r.gradedBy === undefined ? [] : [r.gradedBy])))].sort();
  const base = {
    patternId: first.patternId,
    patternRevisionId: first.patternRevisionId,
    ...(graders.length > 0 ? { gradedBy: graders.join(' + ') } : {}),
  };
  if (evaluated.length === 0) {
    return { ...base, status: 'errored', passShare: null, flaky: false, ...reasonOf(group) };
  }
  const passed = evaluated.filter((r) => r.status === 'passed').length;
  const passShare = passed / evaluated.length;
  const status: OutcomeStatus = passed === evaluated.length ? 'passed' : 'failed';
  const flaky = passed > 0 && passed < evaluated.length;
  // The reason worth showing is why it failed, when it did.
  const shown = status === 'failed' ? evaluated.filter((r) => r.status === 'failed') : evaluated;
  return { ...base, status, passShare, flaky, ...reasonOf(shown) };
}

function foldSingle(run: PatternRun): PatternOutcome {
  const errored = run.status === 'errored';
  const outcome: PatternOutcome = {
    patternId: run.patternId,
    patternRevisionId: run.patternRevisionId,
    ...(run.gradedBy === undefined ? {} : { gradedBy: run.gradedBy }),
    status: run.status,
    passShare: errored ? null : run.status === 'passed' ? 1 : 0,
    flaky: false,
  };
  if (run.reason !== undefined) outcome.reason = run.reason;
  return outcome;
}

function reasonOf(runs: readonly PatternRun[]): { reason?: string } {
  const reason = runs.find((r) => r.reason !== undefined)?.reason;
  return reason === undefined ? {} : { reason };
}

/** The grader a stored prediction records (`prediction.grading.by`, written by the batch processor), if any. */
export function gradedByOf(prediction: unknown): string | undefined {
  if (typeof prediction !== 'object' || prediction === null) return undefined;
  const grading = (prediction as { grading?: unknown }).grading;
  if (typeof grading !== 'object' || grading === null) return undefined;
  const by = (grading as { by?: unknown }).by;
  return typeof by === 'string' && by !== '' ? by : undefined;
}
