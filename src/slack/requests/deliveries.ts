import type { Db } from '../../db/client.ts';
import { forgetEventsBefore, markEventSeen } from '../../db/queries/slack.ts';
import type { Logger } from '../../logger.ts';

/** Slack stops retrying an event within hours; a day of ids is plenty to recognise any redelivery. */
const RETENTION_MS = 24 * 60 * 60 * 1000;
const PRUNE_EVERY = 500;

/**
 * Deliveries already handled, shared by every web process through Postgres (slack_events): Events API
 * event ids (Slack's own retries) and `sig:`-prefixed request signatures (replays of one signed request).
 * A signature is only accepted within Bolt's five-minute window either side of its timestamp, so the day
 * of retention kept for event ids covers it too.
 */
export interface DeliveryLedger {
  /** True the first time this key is seen; throws when the database cannot say. */
  first(key: string): Promise<boolean>;
}

export function deliveryLedger(db: Db, now: () => Date, log: Logger): DeliveryLedger {
  let seen = 0;
  return {
    async first(key) {
      seen += 1;
      if (seen % PRUNE_EVERY === 0) {
        forgetEventsBefore(db, new Date(now().getTime() - RETENTION_MS)).catch((err: unknown) =>
          log.warn({ err }, 'pruning slack_events failed'),
        );
      }
      return markEventSeen(db, key);
    },
  };
}

/** The ledger key of a signed request: its signature, which covers its timestamp and whole body. */
export function signatureKey(signature: string): string {
  return `sig:${signature}`;
}
