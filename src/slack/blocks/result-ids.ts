/** The ids a result message's buttons carry, and their (de)serialisation. */

/** A result message's button value: ids only, so the listener reads everything else fresh from the database. */
export interface ResultIds {
  evaluationId: number;
  problemId: number;
}

export function resultIdsValue(ids: ResultIds): string {
  return JSON.stringify({ evaluationId: ids.evaluationId, problemId: ids.problemId });
}

/** null for anything that is not a value resultIdsValue made (old or forged payloads). */
export function parseResultIds(value: string | undefined): ResultIds | null {
  if (!value) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return null;
  }
  const { evaluationId, problemId } = (parsed ?? {}) as Record<string, unknown>;
  const isId = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) > 0;
  return isId(evaluationId) && isId(problemId) ? { evaluationId, problemId } : null;
}
