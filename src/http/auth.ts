import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { sendError } from './errors.ts';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Compares against every configured token with timingSafeEqual over fixed-length digests, and never
 * stops at the first match, so the time taken says nothing about which token (or how much of it) matched.
 */
export function tokenMatches(presented: string, tokens: readonly Buffer[]): boolean {
  const candidate = digest(presented);
  let matched = false;
  for (const token of tokens) {
    if (timingSafeEqual(candidate, token)) matched = true;
  }
  return matched;
}

/** The configured tokens, ready for tokenMatches (empty ones dropped). */
export function tokenDigests(tokens: readonly string[]): Buffer[] {
  return tokens.filter((t) => t !== '').map(digest);
}

/** `Authorization: Bearer <token>` against the configured API tokens. */
export function bearerAuth(tokens: readonly string[]): MiddlewareHandler {
  const digests = tokenDigests(tokens);
  return async (c, next) => {
    if (digests.length === 0) {
      return sendError(
        c,
        503,
        'api_disabled',
        'The REST API is disabled because no API tokens are configured; set CANARY_API_TOKENS (comma-separated) and restart Canary.',
      );
    }
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      c.header('WWW-Authenticate', 'Bearer');
      return sendError(c, 401, 'unauthorized', 'Send an API token as "Authorization: Bearer <token>".');
    }
    if (!tokenMatches(match[1] as string, digests)) {
      c.header('WWW-Authenticate', 'Bearer error="invalid_token"');
      return sendError(c, 401, 'unauthorized', 'The API token is not valid.');
    }
    await next();
  };
}
