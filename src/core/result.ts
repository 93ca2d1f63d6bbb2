/**
 * What a parser or a check hands back instead of throwing: the value, or one sentence a person can act on.
 * Services turn a refusal into a validation error (`valueOrThrow` in services/errors.ts).
 */
export type Result<T> = { ok: true; value: T } | { ok: false; error: string };
