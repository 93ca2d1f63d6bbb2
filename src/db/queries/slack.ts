import { and, desc, eq, isNull, lt } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { flags, slackEvents } from '../schema.ts';

/** Rows only the Slack side keeps: deliveries already handled and messages flagged with the reaction. */

/**
 * Records a delivery; false when its key was already handled. Keys are Events API event ids — Slack
 * redelivers an event (same event_id, x-slack-retry-num set) when it thinks the first delivery failed —
 * and `sig:`-prefixed request signatures, so a replayed signed request runs once. With several replicas
 * the second delivery may reach another process: the table is what they share.
 */
export async function markEventSeen(db: Db, eventId: string): Promise<boolean> {
  const rows = await db
    .insert(slackEvents)
    .values({ eventId })
    .onConflictDoNothing({ target: slackEvents.eventId })
    .returning({ eventId: slackEvents.eventId });
  return rows.length > 0;
}

/** Slack gives up retrying after about an hour; older ids are dead weight. */
export async function forgetEventsBefore(db: Db, before: Date): Promise<void> {
  await db.delete(slackEvents).where(lt(slackEvents.receivedAt, before));
}

export type FlagRow = typeof flags.$inferSelect;

/**
 * Claims a flagged message. Only the first claim per (channel, ts) gets `created: true`; every later
 * reaction — the same person again, or someone else — sees the existing row and posts nothing.
 */
export async function claimFlag(
  db: Db,
  input: { channel: string; ts: string; text: string; flaggedBy: string },
): Promise<{ flag: FlagRow; created: boolean }> {
  const [inserted] = await db
    .insert(flags)
    .values(input)
    .onConflictDoNothing({ target: [flags.channel, flags.ts] })
    .returning();
  if (inserted) return { flag: inserted, created: true };
  const [existing] = await db
    .select()
    .from(flags)
    .where(and(eq(flags.channel, input.channel), eq(flags.ts, input.ts)));
  if (!existing) throw new Error(`flag for ${input.channel}/${input.ts} vanished after a conflicting insert`);
  return { flag: existing, created: false };
}

export async function setFlagPrompt(db: Db, id: number, promptTs: string): Promise<void> {
  await db.update(flags).set({ promptTs }).where(eq(flags.id, id));
}

/** A prompt that could not be posted is released so the next reaction tries again. */
export async function releaseFlag(db: Db, id: number): Promise<void> {
  await db.delete(flags).where(and(eq(flags.id, id), isNull(flags.patternId)));
}

export async function getFlag(db: Db, id: number): Promise<FlagRow | null> {
  const [row] = await db.select().from(flags).where(eq(flags.id, id));
  return row ?? null;
}

/** Ties the flag to its pattern; false when another Save got there first. */
export async function linkFlagToPattern(db: Db, id: number, patternId: number): Promise<boolean> {
  const rows = await db
    .update(flags)
    .set({ patternId })
    .where(and(eq(flags.id, id), isNull(flags.patternId)))
    .returning({ id: flags.id });
  return rows.length > 0;
}

export async function recentFlags(db: Db, limit: number): Promise<FlagRow[]> {
  return db.select().from(flags).orderBy(desc(flags.createdAt), desc(flags.id)).limit(limit);
}
