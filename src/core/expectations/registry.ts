import { isPlainObject, tryParseJson } from '../json.ts';
import type { Result } from '../result.ts';
import { containsHandler, notContainsHandler } from './contains.ts';
import { directionHandler } from './direction.ts';
import type {
  CheckAid,
  CheckResult,
  Expectation,
  ExpectationHandler,
  ExpectationKind,
  ExpectationOf,
  GradingNeed,
  PatternInput,
  Prediction,
} from './handler.ts';
import { describeType } from './handler.ts';
import { invariantHandler } from './invariant.ts';
import { jsonSchemaHandler } from './json-schema.ts';
import { judgeHandler } from './judge.ts';
import { labelHandler } from './label.ts';
import { lengthHandler } from './length.ts';
import { notLabelHandler } from './not-label.ts';
import { oneOfHandler } from './one-of.ts';
import { rangeHandler } from './range.ts';
import { regexHandler } from './regex.ts';
import { similarHandler } from './similar.ts';

const expectationHandlers = {
  label: labelHandler,
  one_of: oneOfHandler,
  not_label: notLabelHandler,
  contains: containsHandler,
  not_contains: notContainsHandler,
  regex: regexHandler,
  range: rangeHandler,
  invariant: invariantHandler,
  direction: directionHandler,
  json_schema: jsonSchemaHandler,
  length: lengthHandler,
  judge: judgeHandler,
  similar: similarHandler,
} satisfies { [K in ExpectationKind]: ExpectationHandler<K> };

export const EXPECTATION_KINDS = Object.keys(expectationHandlers) as ExpectationKind[];

function isKind(key: string): key is ExpectationKind {
  return Object.hasOwn(expectationHandlers, key);
}

/** The registry is keyed in step with the union; TypeScript cannot correlate the two through a variable key. */
function handlerFor(kind: ExpectationKind): ExpectationHandler<ExpectationKind> {
  return expectationHandlers[kind] as unknown as ExpectationHandler<ExpectationKind>;
}

const VALID_KINDS = EXPECTATION_KINDS.map((k) => `"${k}"`).join(', ');

/** Reads an expectation from user JSON (an object, or a JSON string of one). */
export function parseExpectation(value: unknown): Result<Expectation> {
  let body = value;
  if (typeof value === 'string') {
    const parsed = tryParseJson(value);
    if (!parsed.ok) return { ok: false, error: `The expectation is not valid JSON: ${parsed.error}` };
    body = parsed.value;
  }
  if (!isPlainObject(body)) {
    return {
      ok: false,
      error: `The expectation must be a JSON object like {"label": "negative"}, got ${describeType(body)}.`,
    };
  }
  const keys = Object.keys(body);
  const kinds = keys.filter(isKind);
  if (kinds.length === 0) {
    const seen = keys.length === 0 ? 'an empty object' : keys.map((k) => `"${k}"`).join(', ');
    return { ok: false, error: `Unknown expectation kind (${seen}); use one of ${VALID_KINDS}.` };
  }
  if (kinds.length > 1) {
    return {
      ok: false,
      error: `An expectation has exactly one kind, got ${kinds.map((k) => `"${k}"`).join(' and ')}.`,
    };
  }
  const kind = kinds[0] as ExpectationKind;
  const handler = handlerFor(kind);
  const extra = keys.filter((k) => k !== kind && !handler.extraKeys.includes(k));
  if (extra.length > 0) {
    return { ok: false, error: `"${kind}" does not take ${extra.map((k) => `"${k}"`).join(', ')}.` };
  }
  return handler.parse(body);
}

export function expectationKind(expectation: Expectation): ExpectationKind {
  const kind = Object.keys(expectation).find(isKind);
  if (kind === undefined) throw new TypeError('Not an expectation: no known kind key.');
  return kind;
}

/** Never throws: a malformed expectation (e.g. a stale row) fails with a reason instead. */
export function checkExpectation(
  expectation: Expectation,
  prediction: Prediction,
  variants: readonly Prediction[] = [],
  aid?: CheckAid,
): CheckResult {
  try {
    const kind = expectationKind(expectation);
    return handlerFor(kind).check(expectation as ExpectationOf<ExpectationKind>, prediction, variants, aid);
  } catch (err) {
    return {
      pass: false,
      reason: `the expectation could not be checked: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

/** Inputs the model must also be run on for this expectation (only invariant has any). */
export function variantInputs(expectation: Expectation): PatternInput[] {
  const kind = expectationKind(expectation);
  return handlerFor(kind).variantInputs?.(expectation as ExpectationOf<ExpectationKind>) ?? [];
}

/** A few words for lists and messages, e.g. `label = negative`. */
export function describeExpectation(expectation: Expectation): string {
  const kind = expectationKind(expectation);
  return handlerFor(kind).describe(expectation as ExpectationOf<ExpectationKind>);
}

/** The other model this expectation needs an answer from (judge: a grader, similar: an embedder), if any. */
export function gradingNeed(expectation: Expectation): GradingNeed | undefined {
  try {
    const kind = expectationKind(expectation);
    return handlerFor(kind).needs?.(expectation as ExpectationOf<ExpectationKind>);
  } catch {
    return undefined;
  }
}
