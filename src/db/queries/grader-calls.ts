import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Prediction } from '../../core/expectations/handler.ts';
import type { Db } from '../client.ts';
import { graderCalls } from '../schema.ts';

export type StoredAnswer = Omit<Prediction, 'raw'>;

/**
 * Serialises calls for the same (grader, text) across workers until the transaction ends: whoever takes the lock
 * first calls the grader and stores the answer; the others then find it cached. Locks are taken in a fixed order
 * so two batches sharing texts cannot deadlock.
 */
export async function lockGraderTexts(tx: Db, modelId: number, hashes: readonly string[]): Promise<void> {
  const keys = [...new Set(hashes.map((h) => Number.parseInt(h.slice(0, 8), 16) | 0))].sort((a, b) => a - b);
  if (keys.length === 0) return;
  await tx.execute(
    sql`select pg_advisory_xact_lock(${modelId}::int, k) from unnest(${`{${keys.join(',')}}`}::int[]) as k`,
  );
}

export async function cachedGraderAnswers(
  db: Db,
  modelId: number,
  hashes: readonly string[],
): Promise<Map<string, StoredAnswer>> {
  if (hashes.length === 0) return new Map();
  const rows = await db
    .select({ textHash: graderCalls.textHash, answer: graderCalls.answer })
    .from(graderCalls)
    .where(and(eq(graderCalls.modelId, modelId), inArray(graderCalls.textHash, [...hashes])));
  return new Map(rows.map((r) => [r.textHash, r.answer as StoredAnswer]));
}

export async function storeGraderAnswers(
  db: Db,
  rows: readonly { modelId: number; textHash: string; answer: StoredAnswer; latencyMs: number }[],
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insert(graderCalls)
    .values(rows.map((r) => ({ ...r, latencyMs: Math.round(r.latencyMs) })))
    .onConflictDoNothing();
}

export async function countGraderCalls(db: Db, modelId?: number): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(graderCalls)
    .where(modelId === undefined ? undefined : eq(graderCalls.modelId, modelId));
  return row?.n ?? 0;
}
