import { BLOCK } from '../blocks/ids.ts';
import type { ViewValues } from './pattern-form.ts';

/**
 * Where a refused pattern field is shown in any pattern modal (add, edit, triage): one map, so a kind added
 * to one form (e.g. judge's grader) lands on the right box in all of them. A modal lacking a block skips it.
 */
export const PATTERN_FIELD_BLOCKS: Readonly<Record<string, string[]>> = {
  input: [BLOCK.input],
  expect: [BLOCK.expectValue],
  expectation: [BLOCK.expectValue],
  // A judge or similar naming a model that is not registered is a mistake in the expectation box.
  'judge.grader': [BLOCK.expectValue],
  'similar.embedder': [BLOCK.expectValue],
  polarity: [BLOCK.polarity],
  notes: [BLOCK.notes],
  problem: [BLOCK.problem, BLOCK.newProblemTitle],
  title: [BLOCK.newProblemTitle, BLOCK.problem],
};

/** The first candidate block that is an input in this view, so Slack can show the error beside it. */
export function errorBlockFor(values: ViewValues, candidates: string[], fallback: string): string {
  const present = candidates.find((b) => b in values);
  if (present) return present;
  if (fallback in values) return fallback;
  return Object.keys(values)[0] ?? fallback;
}

export function parseMetadata<T extends object>(text: string | undefined): Partial<T> {
  if (!text) return {};
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' ? (value as Partial<T>) : {};
  } catch {
    return {};
  }
}
