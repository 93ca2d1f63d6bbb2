import { and, asc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Expectation } from '../../core/expectations/handler.ts';
import type { OutcomeStatus } from '../../core/outcome.ts';
import type { PatternInput } from '../../core/pattern.ts';
import { storableJson, storableText } from '../../core/storable.ts';
import type { Db } from '../client.ts';
import { executedRows, intArrayLiteral } from '../executed.ts';
import { results } from '../schema.ts';

export interface NewResult {
  modelId: number;
  patternRevisionId: number;
  patternId: number;
  problemId: number;
  run: number;
  evaluationId: number;
  status: OutcomeStatus;
  output?: unknown;
  prediction?: unknown;
  reason: string;
  latencyMs?: number | null;
  attempts: number;
}

/**
 * One statement per batch (per 4,000 rows). The natural key (model, revision, run) makes a retried batch overwrite its own
 * earlier rows instead of adding more, and moves the row to the evaluation that last produced it.
 */
export async function recordResults(db: Db, rows: readonly NewResult[]): Promise<void> {
  // Postgres takes at most 65,535 parameters per statement; a big chunk × many runs would pass that.
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT)
    await upsertResults(db, rows.slice(i, i + ROWS_PER_STATEMENT));
}

const ROWS_PER_STATEMENT = 4_000;

/**
 * The rows travel as one json parameter unpacked by json_to_recordset: one bound value instead of twelve
 * per row, which keeps statement building and parsing flat as a chunk grows (the query builder spent more
 * time on a 200-row VALUES list than the database did). `json`, not `jsonb`: the server reads the text once
 * into records instead of first building a jsonb tree of the whole batch; the output and prediction columns
 * become jsonb as before.
 */
async function upsertResults(db: Db, rows: readonly NewResult[]): Promise<void> {
  if (rows.length === 0) return;
  await db.execute(upsertResultsSql(rows));
}

/**
 * The upsert of a batch, in key order: recordResults runs it alone, recordBatchCounted inside the statement
 * that also counts. Rows written in key order take their row locks in one order, so two overlapping batches
 * cannot deadlock.
 */
export function upsertResultsSql(rows: readonly NewResult[]): SQL {
  return sql`
    insert into results (model_id, pattern_revision_id, pattern_id, problem_id, run, evaluation_id,
      status, output, prediction, reason, latency_ms, attempts)
    select model_id, pattern_revision_id, pattern_id, problem_id, run, evaluation_id,
      status, output, prediction, reason, latency_ms, attempts
    from json_to_recordset(${resultsJson(rows)}::json) as r(model_id int, pattern_revision_id int,
      pattern_id int, problem_id int, run int, evaluation_id int, status result_status, output jsonb,
      prediction jsonb, reason text, latency_ms int, attempts int)
    order by pattern_revision_id, run
    on conflict (model_id, pattern_revision_id, run) do update set
      evaluation_id = excluded.evaluation_id,
      pattern_id = excluded.pattern_id,
      problem_id = excluded.problem_id,
      status = excluded.status,
      output = excluded.output,
      prediction = excluded.prediction,
      reason = excluded.reason,
      latency_ms = excluded.latency_ms,
      attempts = excluded.attempts,
      created_at = now()`;
}

/**
 * The batch as one JSON array of column-named records, written in one pass without an intermediate object
 * per row. A JSON null comes out of json_to_recordset as SQL NULL, as an absent value should.
 */
export function resultsJson(rows: readonly NewResult[]): string {
  const parts: string[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = storableResult(rows[i] as NewResult);
    const output = json(r.output);
    const prediction = json(r.prediction);
    parts[i] =
      `{"model_id":${int(r.modelId)},"pattern_revision_id":${int(r.patternRevisionId)},` +
      `"pattern_id":${int(r.patternId)},"problem_id":${int(r.problemId)},"run":${int(r.run)},` +
      `"evaluation_id":${int(r.evaluationId)},"status":${JSON.stringify(r.status)},` +
      `"output":${output},"prediction":${prediction},` +
      `"reason":${JSON.stringify(r.reason)},"latency_ms":${r.latencyMs == null ? 'null' : int(r.latencyMs)},` +
      `"attempts":${int(r.attempts)}}`;
  }
  return `[${parts.join(',')}]`;
}

/** As JSON.stringify writes a number (a non-finite one is null). */
function int(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

/** undefined (absent) and null are both SQL NULL; JSON.stringify drops what JSON cannot hold, as before. */
function json(value: unknown): string {
  return value === undefined || value === null ? 'null' : (JSON.stringify(value) ?? 'null');
}

/**
 * The row with everything Postgres cannot hold (U+0000, unpaired surrogates, absurd nesting) replaced,
 * and a note in the reason saying so: one model output with a NUL must not fail the statement that
 * carries the whole batch.
 */
export function storableResult(row: NewResult): NewResult {
  const output = storableJson(row.output ?? null);
  const prediction = storableJson(row.prediction ?? null);
  const reason = storableText(row.reason);
  const replaced = output.replaced + prediction.replaced + reason.replaced;
  const cut = output.cut + prediction.cut;
  if (replaced === 0 && cut === 0) return row;
  const notes = [
    replaced > 0
      ? `${replaced} character(s) Postgres cannot store (NUL or unpaired surrogate) replaced by U+FFFD`
      : '',
    cut > 0 ? `output nested more than 100 levels deep cut` : '',
  ].filter(Boolean);
  return {
    ...row,
    output: output.value,
    prediction: prediction.value,
    reason: `${reason.value} [stored with ${notes.join('; ')}]`,
  };
}

/**
 * Fills gaps with errored placeholders: a real answer (passed or failed) is never overwritten, an older
 * errored row is taken over so this evaluation accounts for it.
 */
export async function recordMissingResults(db: Db, rows: readonly NewResult[]): Promise<number> {
  // Twelve parameters a row: one statement for a whole failed chunk × many runs would pass Postgres' 65,535.
  let filled = 0;
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT)
    filled += await fillGaps(db, rows.slice(i, i + ROWS_PER_STATEMENT));
  return filled;
}

async function fillGaps(db: Db, rows: readonly NewResult[]): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await db
    .insert(results)
    .values(rows.map((r) => toValues(storableResult(r))))
    .onConflictDoUpdate({
      target: [results.modelId, results.patternRevisionId, results.run],
      set: {
        evaluationId: sql`excluded.evaluation_id`,
        reason: sql`excluded.reason`,
        attempts: sql`excluded.attempts`,
        createdAt: sql`now()`,
      },
      setWhere: sql`${results.status} = 'errored'`,
    })
    .returning({ id: results.id });
  return inserted.length;
}

function toValues(row: NewResult): typeof results.$inferInsert {
  return {
    modelId: row.modelId,
    patternRevisionId: row.patternRevisionId,
    patternId: row.patternId,
    problemId: row.problemId,
    run: row.run,
    evaluationId: row.evaluationId,
    status: row.status,
    output: row.output ?? null,
    prediction: row.prediction ?? null,
    reason: row.reason,
    latencyMs: row.latencyMs ?? null,
    attempts: row.attempts,
  };
}

export interface RevisionToRun {
  id: number;
  patternId: number;
  problemId: number;
  input: PatternInput;
  expectation: Expectation;
}

/**
 * The exact revisions a batch was scheduled with, current or not: an edit made since then gets its own
 * back-fill, and the evaluation still owes a result for what it promised.
 */
export async function revisionsByIds(db: Db, ids: readonly number[]): Promise<RevisionToRun[]> {
  if (ids.length === 0) return [];
  // One array parameter and no row mapping: this runs once per batch job, on the hot path.
  return executedRows<RevisionToRun>(
    await db.execute(sql`
      select r.id, p.id as "patternId", p.problem_id as "problemId", r.input, r.expectation
      from pattern_revisions r join patterns p on p.id = r.pattern_id
      where r.id = any(${intArrayLiteral(ids)}::int[])
      order by r.id`),
  );
}

export interface ResultKey {
  patternRevisionId: number;
  run: number;
  status: OutcomeStatus;
}

/** Which of the given (revision, run) pairs already have a result for the model. */
export async function existingResultKeys(
  db: Db,
  modelId: number,
  revisionIds: readonly number[],
): Promise<ResultKey[]> {
  if (revisionIds.length === 0) return [];
  return db
    .select({ patternRevisionId: results.patternRevisionId, run: results.run, status: results.status })
    .from(results)
    .where(and(eq(results.modelId, modelId), inArray(results.patternRevisionId, [...revisionIds])));
}

export interface PriorResult {
  patternRevisionId: number;
  run: number;
  status: OutcomeStatus;
  evaluationId: number | null;
}

/**
 * The model's existing results on these revisions, locked until the transaction ends so a duplicate of the
 * same batch running at once waits and then sees what this one wrote. Locked in key order, as the upsert
 * writes them, so two overlapping batches cannot deadlock.
 */
export async function lockPriorResults(
  db: Db,
  modelId: number,
  revisionIds: readonly number[],
): Promise<PriorResult[]> {
  if (revisionIds.length === 0) return [];
  return executedRows<PriorResult>(
    await db.execute(sql`
      select pattern_revision_id as "patternRevisionId", run, status, evaluation_id as "evaluationId"
      from results
      where model_id = ${modelId} and pattern_revision_id = any(${intArrayLiteral(revisionIds)}::int[])
      order by pattern_revision_id, run
      for update`),
  );
}

/** Problems this evaluation produced results for. */
/** Models with at least one result on this pattern revision. */
export async function modelIdsWithResultsOn(db: Db, patternRevisionId: number): Promise<number[]> {
  const rows = await db
    .selectDistinct({ modelId: results.modelId })
    .from(results)
    .where(eq(results.patternRevisionId, patternRevisionId));
  return rows.map((r) => r.modelId);
}

export async function problemIdsOfEvaluation(db: Db, evaluationId: number): Promise<number[]> {
  const rows = await db
    .selectDistinct({ problemId: results.problemId })
    .from(results)
    .where(eq(results.evaluationId, evaluationId))
    .orderBy(asc(results.problemId));
  return rows.map((r) => r.problemId);
}
