import { eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { slackMessages } from '../schema.ts';

/** The slack_messages ledger: one row per message key, its ts once posted (src/slack/web-api/ledger.ts posts). */

export interface LedgerEntry {
  channel: string;
  ts: string | null;
}

/** Writes the key without a ts, if it is not there yet. */
export async function claimLedgerKey(db: Db, key: string, channel: string): Promise<void> {
  await db.insert(slackMessages).values({ key, channel }).onConflictDoNothing({ target: slackMessages.key });
}

export async function ledgerEntry(db: Db, key: string): Promise<LedgerEntry | null> {
  const [row] = await db
    .select({ channel: slackMessages.channel, ts: slackMessages.ts })
    .from(slackMessages)
    .where(eq(slackMessages.key, key));
  return row ?? null;
}

/** The key's row, locked until the transaction ends (`tx` must be one). */
export async function lockLedgerEntry(tx: Db, key: string): Promise<LedgerEntry | null> {
  const [row] = await tx
    .select({ channel: slackMessages.channel, ts: slackMessages.ts })
    .from(slackMessages)
    .where(eq(slackMessages.key, key))
    .for('update');
  return row ?? null;
}

export async function recordLedgerTs(db: Db, key: string, ts: string): Promise<void> {
  await db.update(slackMessages).set({ ts }).where(eq(slackMessages.key, key));
}
