import { sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { executedRows, intArrayLiteral } from '../executed.ts';
import { type NewResult, upsertResultsSql } from './results.ts';

/** An evaluation's counts once a batch is in: what the job reports as progress. */
export interface BatchCounts {
  id: number;
  total: number;
  doneCount: number;
  passed: number;
  failed: number;
  errored: number;
}

/**
 * Writes one batch's results and moves its evaluation's counts in a single statement: one round trip and one
 * implicit transaction instead of begin, lock, savepoint, upsert, release, update and commit. Every part of
 * the statement reads the snapshot it started with, so `prior` holds the rows as they were before this write:
 * a key this evaluation had already recorded (a retried batch) swaps its old status for the new one, any other
 * key is newly done. Rows are written in key order, as every batch writes them, so two overlapping batches
 * take their row locks in the same order and cannot deadlock. Two copies of one batch running at the same
 * moment may both count a key in the running progress; finalizing recounts from the rows, so the final
 * counts are exact either way. Null when the evaluation is gone. Throws, having written nothing, when
 * Postgres refuses any row: the caller then isolates the row that failed.
 */
export async function recordBatchCounted(
  db: Db,
  batch: { evaluationId: number; modelId: number },
  rows: readonly NewResult[],
): Promise<BatchCounts | null> {
  const revisionIds = [...new Set(rows.map((r) => r.patternRevisionId))];
  const found = executedRows<BatchCounts>(
    await db.execute(sql`
      with prior as (
        select pattern_revision_id, run, status
        from results
        where model_id = ${batch.modelId}
          and pattern_revision_id = any(${intArrayLiteral(revisionIds)}::int[])
          and evaluation_id = ${batch.evaluationId}
      ),
      written as (
        ${upsertResultsSql(rows)}
        returning pattern_revision_id, run, status
      ),
      delta as (
        select
          count(*) filter (where p.status is null) as done,
          count(*) filter (where w.status = 'passed') - count(*) filter (where p.status = 'passed') as passed,
          count(*) filter (where w.status = 'failed') - count(*) filter (where p.status = 'failed') as failed,
          count(*) filter (where w.status = 'errored') - count(*) filter (where p.status = 'errored') as errored
        from written w
        left join prior p on p.pattern_revision_id = w.pattern_revision_id and p.run = w.run
      )
      update evaluations e set
        done_count = e.done_count + d.done,
        passed = e.passed + d.passed,
        failed = e.failed + d.failed,
        errored = e.errored + d.errored
      from delta d
      where e.id = ${batch.evaluationId}
      returning e.id, e.total, e.done_count as "doneCount", e.passed, e.failed, e.errored`),
  );
  return found[0] ?? null;
}
