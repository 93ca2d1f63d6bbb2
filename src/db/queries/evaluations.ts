import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { EvaluationStatus, EvaluationTrigger } from '../../core/outcome.ts';
import type { Db } from '../client.ts';
import { evaluations, models, problems, results } from '../schema.ts';

export type EvaluationRow = typeof evaluations.$inferSelect;

export interface NewEvaluation {
  modelId: number;
  trigger: EvaluationTrigger;
  total: number;
  patternRevisionId?: number | null;
  patternAddId?: number | null;
  requestedBy?: string | null;
  slack?: { channel: string; threadTs?: string | null } | null;
}

export async function insertEvaluation(db: Db, values: NewEvaluation): Promise<EvaluationRow> {
  const [row] = await db
    .insert(evaluations)
    .values({
      modelId: values.modelId,
      trigger: values.trigger,
      total: values.total,
      patternRevisionId: values.patternRevisionId ?? null,
      patternAddId: values.patternAddId ?? null,
      requestedBy: values.requestedBy ?? null,
      slackChannel: values.slack?.channel ?? null,
      slackThreadTs: values.slack?.threadTs ?? null,
    })
    .returning();
  if (!row) throw new Error('insert into evaluations returned no row');
  return row;
}

export async function getEvaluationRow(db: Db, id: number): Promise<EvaluationRow | null> {
  const [row] = await db.select().from(evaluations).where(eq(evaluations.id, id));
  return row ?? null;
}

/** Arbitrary constant, first half of a two-key advisory lock: (this, model id). */
const SCHEDULE_LOCK = 774_112_002;

/**
 * Serialises scheduling per model for the rest of the transaction, so two identical requests arriving
 * together see each other's evaluation row instead of both creating one.
 */
export async function lockModelScheduling(db: Db, modelId: number): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(${SCHEDULE_LOCK}, ${modelId})`);
}

/** A queued or running evaluation of the model covering the same thing (whole model, one revision, one bulk add). */
export async function findActiveEvaluation(
  db: Db,
  params: { modelId: number; patternRevisionId: number | null; patternAddId?: number | null },
): Promise<EvaluationRow | null> {
  const addId = params.patternAddId ?? null;
  const [row] = await db
    .select()
    .from(evaluations)
    .where(
      and(
        eq(evaluations.modelId, params.modelId),
        inArray(evaluations.status, ['queued', 'running']),
        params.patternRevisionId === null
          ? isNull(evaluations.patternRevisionId)
          : eq(evaluations.patternRevisionId, params.patternRevisionId),
        addId === null ? isNull(evaluations.patternAddId) : eq(evaluations.patternAddId, addId),
      ),
    )
    .orderBy(evaluations.id)
    .limit(1);
  return row ?? null;
}

/** First batch to start flips queued → running; later ones change nothing. */
export async function markEvaluationRunning(db: Db, id: number, now: Date): Promise<boolean> {
  const rows = await db
    .update(evaluations)
    .set({ status: 'running', startedAt: now })
    .where(and(eq(evaluations.id, id), eq(evaluations.status, 'queued')))
    .returning({ id: evaluations.id });
  return rows.length > 0;
}

/**
 * Exact counts from this evaluation's result rows, in one pass over its rows. Used once, when the evaluation
 * is finalized; batches move the counts with addEvaluationCounts instead.
 */
export async function refreshEvaluationCounts(db: Db, evaluationId: number): Promise<EvaluationRow | null> {
  const [counts] = await db
    .select({
      doneCount: sql<number>`count(*)::int`,
      passed: sql<number>`(count(*) filter (where ${results.status} = 'passed'))::int`,
      failed: sql<number>`(count(*) filter (where ${results.status} = 'failed'))::int`,
      errored: sql<number>`(count(*) filter (where ${results.status} = 'errored'))::int`,
    })
    .from(results)
    .where(eq(results.evaluationId, evaluationId));
  const [row] = await db
    .update(evaluations)
    .set(counts ?? { doneCount: 0, passed: 0, failed: 0, errored: 0 })
    .where(eq(evaluations.id, evaluationId))
    .returning();
  return row ?? null;
}

export interface CountDelta {
  done: number;
  passed: number;
  failed: number;
  errored: number;
}

/** Moves the counts by a batch's delta in place, so concurrent batches never overwrite each other's. */
export async function addEvaluationCounts(
  db: Db,
  evaluationId: number,
  delta: CountDelta,
): Promise<EvaluationRow | null> {
  const [row] = await db
    .update(evaluations)
    .set({
      doneCount: sql`${evaluations.doneCount} + ${delta.done}`,
      passed: sql`${evaluations.passed} + ${delta.passed}`,
      failed: sql`${evaluations.failed} + ${delta.failed}`,
      errored: sql`${evaluations.errored} + ${delta.errored}`,
    })
    .where(eq(evaluations.id, evaluationId))
    .returning();
  return row ?? null;
}

/** Only an unfinished evaluation is finished: running finalize twice leaves the first outcome alone. */
export async function completeEvaluationRow(
  db: Db,
  id: number,
  values: { summary: unknown; now: Date },
): Promise<EvaluationRow | null> {
  const [row] = await db
    .update(evaluations)
    .set({
      status: 'done',
      summary: values.summary,
      finishedAt: values.now,
      startedAt: sql`coalesce(${evaluations.startedAt}, ${values.now.toISOString()}::timestamptz)`,
    })
    .where(and(eq(evaluations.id, id), inArray(evaluations.status, ['queued', 'running'])))
    .returning();
  return row ?? null;
}

export async function failEvaluationRow(
  db: Db,
  id: number,
  values: { error: string; now: Date },
): Promise<EvaluationRow | null> {
  const [row] = await db
    .update(evaluations)
    .set({ status: 'failed', error: values.error, finishedAt: values.now })
    .where(and(eq(evaluations.id, id), inArray(evaluations.status, ['queued', 'running'])))
    .returning();
  return row ?? null;
}

export async function evaluationStatuses(
  db: Db,
  params: { patternRevisionId: number; trigger: EvaluationTrigger },
): Promise<EvaluationStatus[]> {
  const rows = await db
    .select({ status: evaluations.status })
    .from(evaluations)
    .where(
      and(
        eq(evaluations.patternRevisionId, params.patternRevisionId),
        eq(evaluations.trigger, params.trigger),
      ),
    );
  return rows.map((r) => r.status);
}

export interface EvaluationWithModel {
  evaluation: EvaluationRow;
  model: { id: number; name: string; version: string };
}

export async function getEvaluationWithModel(db: Db, id: number): Promise<EvaluationWithModel | null> {
  const [row] = await db
    .select({
      evaluation: evaluations,
      model: { id: models.id, name: models.name, version: models.version },
    })
    .from(evaluations)
    .innerJoin(models, eq(models.id, evaluations.modelId))
    .where(eq(evaluations.id, id));
  return row ?? null;
}

export interface ProblemHeader {
  id: number;
  key: string;
  title: string;
  threshold: number | null;
}

/** Evaluations queued for one pattern revision: its back-fills on every earlier model. */
export async function evaluationIdsOfRevision(db: Db, patternRevisionId: number): Promise<number[]> {
  const rows = await db
    .select({ id: evaluations.id })
    .from(evaluations)
    .where(eq(evaluations.patternRevisionId, patternRevisionId));
  return rows.map((r) => r.id);
}

/** The back-fill evaluations one bulk add queued (one per model). */
export async function evaluationIdsOfAdd(db: Db, patternAddId: number): Promise<number[]> {
  const rows = await db
    .select({ id: evaluations.id })
    .from(evaluations)
    .where(eq(evaluations.patternAddId, patternAddId));
  return rows.map((r) => r.id);
}

export async function problemHeaders(db: Db, ids: readonly number[]): Promise<ProblemHeader[]> {
  if (ids.length === 0) return [];
  return db
    .select({ id: problems.id, key: problems.key, title: problems.title, threshold: problems.threshold })
    .from(problems)
    .where(inArray(problems.id, [...ids]))
    .orderBy(problems.id);
}

/** Evaluations still queued or running whose start (or creation) is older than `cutoff`: the watchdog's candidates. */
export async function unfinishedEvaluationsOlderThan(
  db: Db,
  cutoff: Date,
  limit: number,
): Promise<EvaluationRow[]> {
  return db
    .select()
    .from(evaluations)
    .where(
      and(
        inArray(evaluations.status, ['queued', 'running']),
        sql`coalesce(${evaluations.startedAt}, ${evaluations.createdAt}) < ${cutoff.toISOString()}::timestamptz`,
      ),
    )
    .orderBy(evaluations.id)
    .limit(limit);
}

export async function setEvaluationError(db: Db, id: number, error: string): Promise<void> {
  await db.update(evaluations).set({ error }).where(eq(evaluations.id, id));
}
