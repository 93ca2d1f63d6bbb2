/** Related cases from one pattern (CheckList-style perturbations). */
export type { PerturbationEffect, PerturbationName } from './perturbations.ts';
export { PERTURBATIONS } from './perturbations.ts';
export type { ImpliedKind, Proposal, SuggestOptions, SuggestSource } from './suggest.ts';
export {
  DEFAULT_SUGGESTIONS,
  effectOf,
  impliedExpectation,
  MAX_SUGGESTIONS,
  proposalDraft,
  suggestRelated,
} from './suggest.ts';
