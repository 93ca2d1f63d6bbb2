import { and, desc, eq, isNotNull, isNull, lte } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { digests } from '../schema.ts';

/**
 * One row per digest tick: the claim that makes "posted once however many workers hear the tick" hold.
 * A row without a ts is a claim in progress; one with a ts was posted.
 */

/** When the newest posted digest went out (at or before `now`), or null when none has. */
export async function lastPostedDigestAt(db: Db, now: Date): Promise<Date | null> {
  const [row] = await db
    .select({ postedAt: digests.postedAt })
    .from(digests)
    .where(and(isNotNull(digests.ts), lte(digests.postedAt, now)))
    .orderBy(desc(digests.postedAt))
    .limit(1);
  return row?.postedAt ?? null;
}

/**
 * 'mine' when this caller may post the tick: nobody claimed it, or a claim without a ts is older than
 * `staleBefore` (its worker died mid-post). Otherwise whether it was posted or is being posted.
 */
export async function claimDigestTick(
  db: Db,
  claim: { tick: string; channel: string; now: Date; staleBefore: Date },
): Promise<'mine' | 'already_posted' | 'in_progress'> {
  const { tick, channel, now } = claim;
  const inserted = await db
    .insert(digests)
    .values({ tick, channel, postedAt: now })
    .onConflictDoNothing({ target: digests.tick })
    .returning({ tick: digests.tick });
  if (inserted.length > 0) return 'mine';
  const taken = await db
    .update(digests)
    .set({ postedAt: now, channel })
    .where(and(eq(digests.tick, tick), isNull(digests.ts), lte(digests.postedAt, claim.staleBefore)))
    .returning({ tick: digests.tick });
  if (taken.length > 0) return 'mine';
  const [row] = await db.select({ ts: digests.ts }).from(digests).where(eq(digests.tick, tick));
  return row?.ts ? 'already_posted' : 'in_progress';
}

export async function recordDigestPosted(db: Db, tick: string, ts: string, postedAt: Date): Promise<void> {
  await db.update(digests).set({ ts, postedAt }).where(eq(digests.tick, tick));
}

/** Gives back a tick that was claimed but never posted, so a retry may claim it again. */
export async function releaseDigestTick(db: Db, tick: string): Promise<void> {
  await db.delete(digests).where(and(eq(digests.tick, tick), isNull(digests.ts)));
}
