import type { OutcomeStatus } from '../core/outcome.ts';
import { gradedByOf } from '../core/outcome.ts';
import type { PatternInput } from '../core/pattern.ts';
import { getPatternsByIds } from '../db/queries/patterns.ts';
import { runsFor } from '../db/queries/reports.ts';
import type { ServiceDeps } from './deps.ts';

/** How many failing patterns a report lists per problem: enough to see what goes wrong, short enough to read. */
export const FAILING_SHOWN = 5;
const OUTPUT_MAX = 1_000;

/** A pattern that failed or errored on the model, with what the model answered: outputs are shown with results. */
export interface FailingPattern {
  problemId: number;
  patternId: number;
  input: PatternInput;
  status: Exclude<OutcomeStatus, 'passed'>;
  /** The model's text, else its label, else its score (first run, up to 1,000 characters); null when none. */
  output: string | null;
  reason: string;
  gradedBy?: string;
}

/**
 * The first failing or errored patterns of each problem (lowest pattern revision first), with their outputs.
 * Only non-passing runs are read, so a large passing model costs nothing here.
 */
export async function failingPatterns(
  deps: Pick<ServiceDeps, 'db'>,
  modelId: number,
  problemIds: readonly number[],
): Promise<FailingPattern[]> {
  if (problemIds.length === 0) return [];
  const runs = await runsFor(deps.db, { modelIds: [modelId], problemIds, statuses: ['failed', 'errored'] });
  const perProblem = new Map<number, number>();
  const seen = new Set<number>();
  const picked = runs.filter((r) => {
    if (seen.has(r.patternRevisionId)) return false;
    seen.add(r.patternRevisionId);
    const n = perProblem.get(r.problemId) ?? 0;
    if (n >= FAILING_SHOWN) return false;
    perProblem.set(r.problemId, n + 1);
    return true;
  });
  const inputs = new Map(
    (await getPatternsByIds(deps.db, [...new Set(picked.map((r) => r.patternId))])).map((p) => [
      p.id,
      p.input,
    ]),
  );
  return picked.map((r) => {
    const p = r.prediction;
    const said = p?.text ?? p?.label ?? (p?.score === undefined ? null : String(p.score));
    const gradedBy = gradedByOf(p);
    return {
      problemId: r.problemId,
      patternId: r.patternId,
      input: inputs.get(r.patternId) ?? '',
      status: r.status === 'errored' ? 'errored' : 'failed',
      output: said === null ? null : said.slice(0, OUTPUT_MAX),
      reason: r.reason,
      ...(gradedBy === undefined ? {} : { gradedBy }),
    };
  });
}
