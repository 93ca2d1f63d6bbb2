import { and, eq, inArray, sql } from 'drizzle-orm';
import type { RatingCounts } from '../../core/satisfaction.ts';
import type { Db } from '../client.ts';
import { observations, patterns } from '../schema.ts';

/** 👍/👎 totals per model, from the counters kept on each observation (no join with the ratings table). */
export async function ratingCountsByModel(
  db: Db,
  modelIds: readonly number[],
): Promise<Map<number, RatingCounts>> {
  const out = new Map<number, RatingCounts>();
  if (modelIds.length === 0) return out;
  const rows = await db
    .select({
      modelId: observations.modelId,
      up: sql<number>`coalesce(sum(${observations.ups}), 0)::int`,
      down: sql<number>`coalesce(sum(${observations.downs}), 0)::int`,
    })
    .from(observations)
    .where(inArray(observations.modelId, [...modelIds]))
    .groupBy(observations.modelId);
  for (const r of rows) if (r.modelId !== null) out.set(r.modelId, { up: r.up, down: r.down });
  return out;
}

/** Per problem: ratings of the observations a pattern of that problem was made from. */
export async function ratingCountsByProblem(
  db: Db,
  modelId: number,
): Promise<{ problemId: number; up: number; down: number }[]> {
  return db
    .select({
      problemId: patterns.problemId,
      up: sql<number>`coalesce(sum(${observations.ups}), 0)::int`,
      down: sql<number>`coalesce(sum(${observations.downs}), 0)::int`,
    })
    .from(observations)
    .innerJoin(patterns, eq(patterns.id, observations.patternId))
    .where(and(eq(observations.modelId, modelId)))
    .groupBy(patterns.problemId);
}

/** Daily 👍/👎 per model (UTC days), oldest first: the satisfaction-over-time chart. */
export async function dailyRatings(
  db: Db,
  modelIds: readonly number[],
): Promise<{ modelId: number; day: string; up: number; down: number }[]> {
  if (modelIds.length === 0) return [];
  const day = sql<string>`to_char(date_trunc('day', ${observations.at} at time zone 'UTC'), 'YYYY-MM-DD')`;
  const rows = await db
    .select({
      modelId: observations.modelId,
      day,
      up: sql<number>`sum(${observations.ups})::int`,
      down: sql<number>`sum(${observations.downs})::int`,
    })
    .from(observations)
    .where(
      and(inArray(observations.modelId, [...modelIds]), sql`${observations.ups} + ${observations.downs} > 0`),
    )
    .groupBy(observations.modelId, day)
    .orderBy(day);
  return rows.flatMap((r) =>
    r.modelId === null ? [] : [{ modelId: r.modelId, day: r.day, up: r.up, down: r.down }],
  );
}
