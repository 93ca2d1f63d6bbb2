import { isPlainObject } from '../core/json.ts';
import type { Pattern } from '../core/pattern.ts';
import type { Problem } from '../core/problem.ts';
import {
  DEFAULT_SUGGESTIONS,
  MAX_SUGGESTIONS,
  type Proposal,
  proposalDraft,
  suggestRelated,
} from '../core/suggest/index.ts';
import { getProblemById } from '../db/queries/problems.ts';
import type { ServiceDeps } from './deps.ts';
import { fail, invalid } from './errors.ts';
import { type AddPatternsResult, addPatterns, getPattern } from './patterns.ts';

export interface SuggestInput {
  patternId: number;
  n?: number;
  seed?: number;
}

export interface Suggestions {
  pattern: Pattern;
  problem: Problem;
  /** The seed used; without one it is the pattern id, so asking twice gives the same list. */
  seed: number;
  proposals: Proposal[];
}

/** Proposals of related cases for one pattern. Writes nothing. */
export async function suggestForPattern(deps: ServiceDeps, input: SuggestInput): Promise<Suggestions> {
  const n = input.n ?? DEFAULT_SUGGESTIONS;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_SUGGESTIONS)
    invalid(`n must be a whole number from 1 to ${MAX_SUGGESTIONS}, got ${n}.`, 'n');
  const seed = input.seed ?? input.patternId;
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff)
    invalid(`seed must be a whole number from 0 to ${0xffffffff}, got ${seed}.`, 'seed');
  const pattern = await getPattern(deps, input.patternId);
  const problem = await getProblemById(deps.db, pattern.problemId);
  if (!problem) return fail('problem_not_found', `Pattern #${pattern.id} has no problem.`, 'pattern');
  const proposals = suggestRelated({ input: pattern.input, expectation: pattern.expectation }, { n, seed });
  return { pattern, problem, seed, proposals };
}

/** One chosen proposal, possibly edited by the person choosing it. */
export interface ChosenProposal {
  input: unknown;
  expectation: unknown;
  perturbation: string;
  detail?: string;
}

/**
 * Files chosen proposals as contrived patterns of the original's problem, each with its provenance, and
 * back-fills them on every model (through addPatterns, all-or-nothing).
 */
export async function addSuggestions(
  deps: ServiceDeps,
  patternId: number,
  chosen: readonly ChosenProposal[],
  opts: { creatorId?: string | null; deferBackfill?: boolean } = {},
): Promise<AddPatternsResult & { problem: Problem }> {
  const pattern = await getPattern(deps, patternId);
  const problem = await getProblemById(deps.db, pattern.problemId);
  if (!problem) return fail('problem_not_found', `Pattern #${pattern.id} has no problem.`, 'pattern');
  const origin = { problemKey: problem.key, patternId: pattern.id, polarity: pattern.polarity };
  const drafts = chosen.map((c) => {
    if (!isPlainObject(c.expectation) && typeof c.expectation !== 'string')
      invalid('Each proposal needs an expectation.', 'expect');
    return proposalDraft(origin, {
      input: c.input as Proposal['input'],
      expectation: c.expectation as Proposal['expectation'],
      perturbation: c.perturbation as Proposal['perturbation'],
      detail: c.detail ?? 'edited',
    });
  });
  const result = await addPatterns(deps, drafts, {
    creatorId: opts.creatorId ?? null,
    ...(opts.deferBackfill ? { deferBackfill: true } : {}),
  });
  return { ...result, problem };
}
