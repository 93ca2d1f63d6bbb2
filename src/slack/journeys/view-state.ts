import type { ViewValues } from './pattern-form.ts';

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
