import { isPlainObject } from '../core/json.ts';
import { type PatternDraft, validatePatternDraft } from '../core/pattern.ts';
import { badRequest } from './errors.ts';

/**
 * POST /patterns takes one pattern or an array. Every item is checked before anything is written; a bad item
 * refuses the whole request with every problem listed by index, so a client never has to guess what landed.
 */
export function validatePatternItems(body: unknown, maxInputBytes: number): PatternDraft[] {
  const items = Array.isArray(body) ? body : [body];
  if (!Array.isArray(body) && !isPlainObject(body)) {
    badRequest('Send a pattern object or an array of them.');
  }
  if (items.length === 0) badRequest('The array of patterns is empty.');
  const drafts: PatternDraft[] = [];
  const errors: { index: number; field: string; message: string }[] = [];
  items.forEach((item, index) => {
    const result = validatePatternDraft(item, maxInputBytes);
    if (result.ok) drafts.push(result.value);
    else for (const e of result.errors) errors.push({ index, field: e.field, message: e.message });
  });
  if (errors.length > 0) {
    const first = errors[0] as { index: number; field: string; message: string };
    const where = Array.isArray(body) ? `item ${first.index}` : 'the pattern';
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more; see details)` : '';
    badRequest(
      `${where}: ${first.field}: ${first.message}${more} Nothing was saved.`,
      Array.isArray(body) ? `[${first.index}].${first.field}` : first.field,
      errors,
    );
  }
  return drafts;
}
