/** Expectations: what a pattern says the model must answer. One file per kind; the registry keeps them in step. */
export {
  checkExpectation,
  describeExpectation,
  EXPECTATION_KINDS,
  expectationKind,
  parseExpectation,
  variantInputs,
} from './registry.ts';
export { parseExpectationShorthand } from './shorthand.ts';
