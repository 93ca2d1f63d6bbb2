import { isPlainObject } from '../core/json.ts';
import { type ObservationDraft, validateObservation } from '../core/observation.ts';
import { badRequest } from './errors.ts';

/** Most observations one request may carry; more is a client batching wrongly, not a bigger buffer. */
export const MAX_OBSERVATIONS_PER_REQUEST = 5_000;
/** Mistakes listed in `details`; the message counts them all. */
export const MAX_DETAILS = 50;

/**
 * POST /observations takes one observation or an array. Every item is checked before anything is written; a
 * bad item refuses the whole request with every mistake listed by index and field.
 */
export function validateObservationItems(body: unknown, maxInputBytes: number): ObservationDraft[] {
  if (!Array.isArray(body) && !isPlainObject(body))
    badRequest('Send an observation object or an array of them.');
  const items: unknown[] = Array.isArray(body) ? body : [body];
  if (items.length === 0) badRequest('The array of observations is empty.');
  if (items.length > MAX_OBSERVATIONS_PER_REQUEST)
    badRequest(
      `${items.length} observations in one request; send at most ${MAX_OBSERVATIONS_PER_REQUEST} at once.`,
    );
  const drafts: ObservationDraft[] = [];
  const errors: { index: number; field: string; message: string }[] = [];
  for (const [index, item] of items.entries()) {
    const result = validateObservation(item, maxInputBytes);
    if (result.ok) drafts.push(result.value);
    else for (const e of result.errors) errors.push({ index, field: e.field, message: e.message });
  }
  const first = errors[0];
  if (first) {
    const where = Array.isArray(body) ? `item ${first.index}` : 'the observation';
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more; see details)` : '';
    // A batch of 1 000 with one systematic mistake would otherwise answer with 1 000 copies of it.
    badRequest(
      `${where}: ${first.field}: ${first.message}${more} Nothing was saved.`,
      Array.isArray(body) ? `[${first.index}].${first.field}` : first.field,
      errors.slice(0, MAX_DETAILS),
    );
  }
  return drafts;
}
