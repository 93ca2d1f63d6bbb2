import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { tokenMatches } from './auth.ts';
import { HttpRefusal } from './errors.ts';

/**
 * The REST side of CANARY_ADMINS: tokens listed in CANARY_ADMIN_TOKENS may do what only admins may do in
 * Slack (set thresholds, register/promote/retire/restore models, deactivate/reactivate/edit patterns). With
 * none listed every API token may, as every Slack member may when CANARY_ADMINS is empty.
 */
export interface AdminGate {
  /** Throws a 403 naming the action unless the request's token is an admin token. */
  require(c: Context, what: string): void;
  /** Who made the request, for the audit record: `api:` and the first 12 hex digits of the token's sha256. */
  actor(c: Context): string;
}

function bearer(c: Context): string {
  return /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export function adminGate(adminTokens: readonly string[]): AdminGate {
  const digests = adminTokens.filter((t) => t !== '').map(digest);
  return {
    require(c, what) {
      if (digests.length === 0 || tokenMatches(bearer(c), digests)) return;
      throw new HttpRefusal(
        403,
        'forbidden',
        `Only admin tokens (CANARY_ADMIN_TOKENS) can ${what}; nothing was changed.`,
      );
    },
    actor(c) {
      return `api:${digest(bearer(c)).toString('hex').slice(0, 12)}`;
    },
  };
}
