import { and, asc, desc, eq, gt, inArray, isNotNull, lt, ne, or, sql } from 'drizzle-orm';
import type { Expectation } from '../../core/expectations/handler.ts';
import type { Model } from '../../core/model.ts';
import type { PatternInput, Polarity } from '../../core/pattern.ts';
import type { Problem } from '../../core/problem.ts';
import type { Db } from '../client.ts';
import { evaluations, flags, models, patternRevisions, patterns, problems, results } from '../schema.ts';
import { toModel } from './models.ts';
import { toProblem } from './problems.ts';

/** Read-side queries only the notifications need. */

export async function problemsByIds(db: Db, ids: readonly number[]): Promise<Problem[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select()
    .from(problems)
    .where(inArray(problems.id, [...ids]))
    .orderBy(asc(problems.id));
  return rows.map(toProblem);
}

/**
 * The candidate this model is measured against: the newest non-retired model registered before it with the
 * same name, else the newest non-retired one of any name.
 */
export async function previousModel(
  db: Db,
  model: Pick<Model, 'id' | 'name' | 'registeredAt'>,
): Promise<Model | null> {
  const before = or(
    lt(models.registeredAt, model.registeredAt),
    and(eq(models.registeredAt, model.registeredAt), lt(models.id, model.id)),
  );
  const base = and(before, ne(models.status, 'retired'), ne(models.id, model.id));
  const pick = async (extra: ReturnType<typeof eq> | undefined) => {
    const [row] = await db
      .select()
      .from(models)
      .where(and(base, extra))
      .orderBy(desc(models.registeredAt), desc(models.id))
      .limit(1);
    return row ? toModel(row) : null;
  };
  return (await pick(eq(models.name, model.name))) ?? (await pick(undefined));
}

export interface RevisionLabel {
  revisionId: number;
  patternId: number;
  problemId: number;
  input: PatternInput;
  expectation: Expectation;
  polarity: Polarity;
}

export async function revisionLabels(
  db: Db,
  revisionIds: readonly number[],
): Promise<Map<number, RevisionLabel>> {
  if (revisionIds.length === 0) return new Map();
  const rows = await db
    .select({
      revisionId: patternRevisions.id,
      patternId: patterns.id,
      problemId: patterns.problemId,
      input: patternRevisions.input,
      expectation: patternRevisions.expectation,
      polarity: patterns.polarity,
    })
    .from(patternRevisions)
    .innerJoin(patterns, eq(patterns.id, patternRevisions.patternId))
    .where(inArray(patternRevisions.id, [...revisionIds]));
  return new Map(
    rows.map((r) => [
      r.revisionId,
      { ...r, input: r.input as PatternInput, expectation: r.expectation as Expectation },
    ]),
  );
}

/** The flag thread a pattern came from (the flagged message), if it came from a flag. */
export async function flagThreadOf(
  db: Db,
  patternId: number,
): Promise<{ channel: string; ts: string } | null> {
  const [row] = await db
    .select({ channel: flags.channel, ts: flags.ts })
    .from(flags)
    .where(eq(flags.patternId, patternId))
    .orderBy(asc(flags.id))
    .limit(1);
  return row ?? null;
}

/** Every back-fill evaluation of one revision, with its model, in model registration order. */
export async function backfillEvaluations(db: Db, patternRevisionId: number) {
  const rows = await db
    .select({ evaluation: evaluations, model: models })
    .from(evaluations)
    .innerJoin(models, eq(models.id, evaluations.modelId))
    .where(and(eq(evaluations.patternRevisionId, patternRevisionId), eq(evaluations.trigger, 'backfill')))
    .orderBy(asc(models.registeredAt), asc(models.id), asc(evaluations.id));
  return rows.map((r) => ({ evaluation: r.evaluation, model: toModel(r.model) }));
}

/** Problems created in the window. */
export async function problemsCreatedBetween(db: Db, since: Date, now: Date): Promise<Problem[]> {
  const rows = await db
    .select()
    .from(problems)
    .where(and(gt(problems.createdAt, since), lt(problems.createdAt, now)))
    .orderBy(asc(problems.id));
  return rows.map(toProblem);
}

/** Patterns saved from flags in the window (by when the pattern was saved), with the flagged text. */
export async function flaggedPatternsBetween(db: Db, since: Date, now: Date) {
  return db
    .select({ patternId: patterns.id, problemKey: problems.key, text: flags.text })
    .from(flags)
    .innerJoin(patterns, eq(patterns.id, flags.patternId))
    .innerJoin(problems, eq(problems.id, patterns.problemId))
    .where(and(isNotNull(flags.patternId), gt(patterns.createdAt, since), lt(patterns.createdAt, now)))
    .orderBy(asc(flags.id));
}

export interface RevisionRun {
  modelId: number;
  patternId: number;
  patternRevisionId: number;
  run: number;
  status: 'passed' | 'failed' | 'errored';
  label: string | null;
  text: string | null;
}

/** Every model's runs of one revision, with what the model answered. */
export async function runsOfRevision(db: Db, patternRevisionId: number): Promise<RevisionRun[]> {
  const rows = await db
    .select({
      modelId: results.modelId,
      patternId: results.patternId,
      patternRevisionId: results.patternRevisionId,
      run: results.run,
      status: results.status,
      label: sql<string | null>`${results.prediction} ->> 'label'`,
      text: sql<string | null>`${results.prediction} ->> 'text'`,
    })
    .from(results)
    .where(eq(results.patternRevisionId, patternRevisionId))
    .orderBy(asc(results.modelId), asc(results.run));
  return rows;
}

export async function markNotified(db: Db, evaluationId: number, now: Date): Promise<void> {
  await db.update(evaluations).set({ notifiedAt: now }).where(eq(evaluations.id, evaluationId));
}
