import type { Result } from './result.ts';

export type JsonObject = { [key: string]: unknown };

/** True for `{...}` literals and JSON.parse objects; false for arrays, null, class instances. */
export function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** JSON.parse that reports the engine's reason instead of throwing. */
export function tryParseJson(text: string): Result<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
