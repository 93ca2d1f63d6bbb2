import { CanaryError } from '../core/errors.ts';
import type { Result } from '../core/result.ts';
import { findUnstorable, MAX_USER_JSON_DEPTH } from '../core/text.ts';

export { CanaryError };

/** The codes services throw; the edges map them to ephemeral messages, HTTP statuses and exit codes. */
export type CanaryErrorCode =
  | 'validation'
  | 'duplicate'
  | 'endpoint_refused'
  | 'forbidden'
  /** The request is fine but the thing is in the wrong state for it (a retired model gated, production retired). */
  | 'conflict'
  /** A problem named by a title that more than one problem has. */
  | 'ambiguous_problem'
  | 'not_evaluated'
  | 'problem_not_found'
  | 'pattern_not_found'
  | 'model_not_found'
  | 'signoff_not_found'
  | 'observation_not_found'
  | 'queue_unavailable';

export function fail(code: CanaryErrorCode, sentence: string, field?: string): never {
  throw new CanaryError(code, sentence, field);
}

export function invalid(sentence: string, field?: string): never {
  return fail('validation', sentence, field);
}

/** Core parsers return a `Result`; a service turns a refusal into a validation error. */
export function valueOrThrow<T>(result: Result<T>, field?: string, code: CanaryErrorCode = 'validation'): T {
  if (result.ok) return result.value;
  return fail(code, result.error, field);
}

/** HTTP status an edge should answer with for a service error. */
export function httpStatusOf(code: string): number {
  if (code.endsWith('_not_found')) return 404;
  if (code === 'duplicate') return 409;
  if (code === 'forbidden') return 403;
  if (code === 'validation' || code === 'endpoint_refused') return 400;
  if (code === 'not_evaluated' || code === 'conflict') return 409;
  if (code === 'ambiguous_problem') return 400;
  // Redis is down: the request was fine and may be retried shortly.
  if (code === 'queue_unavailable') return 503;
  return 500;
}

/**
 * Refuses user JSON Postgres cannot store or Canary cannot safely walk — a NUL character, an unpaired
 * UTF-16 surrogate, nesting past MAX_USER_JSON_DEPTH — before anything is written: a 400 naming the place,
 * never a 500 from deep inside a write.
 */
export function rejectNul(value: unknown, field: string): void {
  // A little slack over the limit: the value passed in wraps the user's JSON in a level or two of its own.
  const found = findUnstorable(value, field, MAX_USER_JSON_DEPTH + 4);
  if (!found) return;
  const at = found.path;
  if (found.problem === 'nul')
    invalid(`${at} contains a NUL character (\\u0000), which cannot be stored; remove it.`, at);
  if (found.problem === 'surrogate')
    invalid(
      `${at} contains an unpaired UTF-16 surrogate (broken Unicode), which cannot be stored; remove it.`,
      at,
    );
  invalid(`${at} nests more than ${MAX_USER_JSON_DEPTH} levels deep; flatten it.`, at);
}
