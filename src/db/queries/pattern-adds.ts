import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import {
  evaluations,
  models,
  patternAdds,
  patternRevisions,
  patterns,
  problems,
  results,
} from '../schema.ts';
import { toModel } from './models.ts';

export type PatternAddRow = typeof patternAdds.$inferSelect;

export async function insertPatternAdd(db: Db, values: { creatorId: string | null }): Promise<PatternAddRow> {
  const [row] = await db.insert(patternAdds).values({ creatorId: values.creatorId, size: 0 }).returning();
  if (!row) throw new Error('insert into pattern_adds returned no row');
  return row;
}

export async function setPatternAddSize(db: Db, id: number, size: number): Promise<void> {
  await db.update(patternAdds).set({ size }).where(eq(patternAdds.id, id));
}

export async function deletePatternAdd(db: Db, id: number): Promise<void> {
  await db.delete(patternAdds).where(eq(patternAdds.id, id));
}

export async function getPatternAdd(db: Db, id: number): Promise<PatternAddRow | null> {
  const [row] = await db.select().from(patternAdds).where(eq(patternAdds.id, id));
  return row ?? null;
}

/** How many patterns of the add landed in each problem, with the problem's home thread. */
export async function problemsOfAdd(db: Db, addId: number) {
  return db
    .select({
      problemId: problems.id,
      key: problems.key,
      title: problems.title,
      homeChannel: problems.homeChannel,
      homeTs: problems.homeTs,
      added: sql<number>`count(*)::int`,
    })
    .from(patternRevisions)
    .innerJoin(patterns, eq(patterns.id, patternRevisions.patternId))
    .innerJoin(problems, eq(problems.id, patterns.problemId))
    .where(eq(patternRevisions.addId, addId))
    .groupBy(problems.id)
    .orderBy(asc(problems.id));
}

/** Every back-fill evaluation of the add, with its model, in model registration order. */
export async function addBackfillEvaluations(db: Db, addId: number) {
  const rows = await db
    .select({ evaluation: evaluations, model: models })
    .from(evaluations)
    .innerJoin(models, eq(models.id, evaluations.modelId))
    .where(and(eq(evaluations.patternAddId, addId), eq(evaluations.trigger, 'backfill')))
    .orderBy(asc(models.registeredAt), asc(models.id), asc(evaluations.id));
  return rows.map((r) => ({ evaluation: r.evaluation, model: toModel(r.model) }));
}

/**
 * Per problem and model: how the add's revisions fared (first run of each). One grouped pass, so a 10,000-pattern
 * add is one query, not one per pattern.
 */
export async function addOutcomesByProblemAndModel(db: Db, addId: number, modelIds: readonly number[]) {
  if (modelIds.length === 0) return [];
  return db
    .select({
      problemId: patterns.problemId,
      modelId: results.modelId,
      passed: sql<number>`(count(*) filter (where ${results.status} = 'passed'))::int`,
      failed: sql<number>`(count(*) filter (where ${results.status} = 'failed'))::int`,
      errored: sql<number>`(count(*) filter (where ${results.status} = 'errored'))::int`,
    })
    .from(patternRevisions)
    .innerJoin(patterns, eq(patterns.id, patternRevisions.patternId))
    .innerJoin(results, and(eq(results.patternRevisionId, patternRevisions.id), eq(results.run, 1)))
    .where(and(eq(patternRevisions.addId, addId), inArray(results.modelId, [...modelIds])))
    .groupBy(patterns.problemId, results.modelId);
}
