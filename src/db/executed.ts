/** postgres.js answers `execute` with an array of rows, PGlite with an object holding them: read either. */
export function executedRows<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] } | null)?.rows ?? []) as T[];
}

/**
 * Whole numbers as one Postgres array literal (`{1,2,3}`), bound as a single parameter and cast with
 * `::int[]`: a statement over a 4,000-id batch then has one parameter, not 4,000 for the query builder to
 * walk and the server to parse.
 */
export function intArrayLiteral(values: readonly number[]): string {
  for (const v of values) if (!Number.isSafeInteger(v)) throw new TypeError(`not a whole number: ${v}`);
  return `{${values.join(',')}}`;
}
