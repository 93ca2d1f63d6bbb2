import { findNul } from '../core/text.ts';
import { CanaryError } from '../core/types.ts';

export { CanaryError };

/** The codes services throw; the edges map them to ephemeral messages, HTTP statuses and exit codes. */
export type CanaryErrorCode =
  | 'validation'
  | 'duplicate'
  | 'endpoint_refused'
  | 'forbidden'
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

/** Core parsers return `{ok, value} | {ok: false, error}`; a service turns a refusal into a validation error. */
export function valueOrThrow<T>(
  result: { ok: true; value: T } | { ok: false; error: string },
  field?: string,
  code: CanaryErrorCode = 'validation',
): T {
  if (result.ok) return result.value;
  return fail(code, result.error, field);
}

/** HTTP status an edge should answer with for a service error. */
export function httpStatusOf(code: string): number {
  if (code.endsWith('_not_found')) return 404;
  if (code === 'duplicate') return 409;
  if (code === 'forbidden') return 403;
  if (code === 'validation' || code === 'endpoint_refused') return 400;
  if (code === 'not_evaluated') return 409;
  // Redis is down: the request was fine and may be retried shortly.
  if (code === 'queue_unavailable') return 503;
  return 500;
}

/** Refuses user input carrying a NUL character (Postgres cannot store it) before anything is written. */
export function rejectNul(value: unknown, field: string): void {
  const at = findNul(value, field);
  if (at) invalid(`${at} contains a NUL character (\\u0000), which cannot be stored; remove it.`, at);
}
