import { toJsonl } from '../../core/import-format.ts';
import type { Pattern, PatternDraft } from '../../core/pattern.ts';
import type { Problem } from '../../core/problem.ts';
import type { ServiceDeps } from '../deps.ts';
import { listPatterns } from '../patterns.ts';
import { getProblem, listProblems } from '../problems.ts';

/**
 * Active patterns as import-format JSONL (one problem, or all), keyed by problem key so the file imports back
 * into the same problems, and re-importing it creates nothing new.
 */
export async function exportPatterns(deps: ServiceDeps, opts: { problem?: string } = {}): Promise<string> {
  const problems: Problem[] = opts.problem
    ? [await getProblem(deps, opts.problem)]
    : (await listProblems(deps)).map((s) => s.problem);
  const drafts: PatternDraft[] = [];
  for (const problem of problems) {
    const { patterns } = await listPatterns(deps, problem.key);
    for (const { pattern } of patterns) drafts.push(toDraft(problem, pattern));
  }
  return toJsonl(drafts);
}

function toDraft(problem: Problem, pattern: Pattern): PatternDraft {
  return {
    problem: problem.key,
    input: pattern.input,
    expectation: pattern.expectation,
    polarity: pattern.polarity,
    source: pattern.source,
    notes: pattern.notes,
    ...(pattern.sourcePermalink ? { sourceRef: pattern.sourcePermalink } : {}),
    ...(pattern.derivedFrom ? { derivedFrom: pattern.derivedFrom } : {}),
  };
}
