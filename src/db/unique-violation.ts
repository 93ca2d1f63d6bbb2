/**
 * True when the error (or one it wraps: drizzle puts the driver's error in `cause`) is Postgres refusing a
 * row for the named unique index (SQLSTATE 23505). Works for postgres.js and PGlite, which both carry
 * `code` and the index as `constraint_name` / `constraint`.
 */
export function isUniqueViolation(error: unknown, index: string): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const o = e as { code?: unknown; constraint_name?: unknown; constraint?: unknown; cause?: unknown };
    if (o.code === '23505' && (o.constraint_name === index || o.constraint === index)) return true;
    e = o.cause;
  }
  return false;
}
