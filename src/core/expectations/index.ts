/** Expectations: what a pattern says the model must answer. One file per kind; the registry keeps them in step. */
export type { ExpectationHandler, ExpectationOf, GradingNeed } from './handler.ts';
export { parseRubricAnswer, rubricPrompt } from './judge-prompt.ts';
export {
  checkExpectation,
  describeExpectation,
  EXPECTATION_KINDS,
  expectationKind,
  gradingNeed,
  parseExpectation,
  variantInputs,
} from './registry.ts';
export { parseExpectationShorthand } from './shorthand.ts';
export { cosine } from './similar.ts';
