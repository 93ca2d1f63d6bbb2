import { and, desc, eq, gt, inArray, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { ObservationStatus, Rating } from '../../core/observation.ts';
import type { Db } from '../client.ts';
import { models, observationRatings, observations } from '../schema.ts';

export type ObservationRow = typeof observations.$inferSelect;

export interface NewObservation {
  modelId: number | null;
  input: unknown;
  output: unknown;
  inputHash: string | null;
  at: Date;
  userId: string | null;
  comment: string | null;
  metadata: Record<string, unknown>;
  externalId: string | null;
  slackChannel: string | null;
  slackTs: string | null;
  /** The rating that arrived with it, by `rater`. */
  rating: { rater: string; rating: Rating; source: string } | null;
}

export interface InsertOutcome {
  id: number;
  created: boolean;
}

/**
 * Inserts observations in order and says, per item, whether it was new. Ids are drawn from the sequence first,
 * so `on conflict do nothing` (externalId or Slack message already there, perhaps from a concurrent request)
 * still tells exactly which item landed; the skipped ones are read back as existing. Call in a transaction.
 */
export async function insertObservations(db: Db, rows: readonly NewObservation[]): Promise<InsertOutcome[]> {
  if (rows.length === 0) return [];
  const ids = await db.execute<{ id: string }>(
    sql`select nextval(pg_get_serial_sequence('observations', 'id'))::text as id from generate_series(1, ${rows.length})`,
  );
  const drawn = executedRows<{ id: string }>(ids);
  const planned = rows.map((row, i) => ({ ...row, id: Number(drawn[i]?.id) }));
  const inserted = await db
    .insert(observations)
    .values(
      // Sorted by natural key: two concurrent batches sharing externalIds then take the index entries in the
      // same order, so they queue behind each other instead of deadlocking.
      [...planned].sort(byNaturalKey).map((r) => ({
        id: r.id,
        modelId: r.modelId,
        input: r.input,
        output: r.output,
        inputHash: r.inputHash,
        at: r.at,
        userId: r.userId,
        comment: r.comment,
        metadata: r.metadata,
        externalId: r.externalId,
        slackChannel: r.slackChannel,
        slackTs: r.slackTs,
        ups: r.rating?.rating === 'up' ? 1 : 0,
        downs: r.rating?.rating === 'down' ? 1 : 0,
      })),
    )
    .onConflictDoNothing()
    .returning({ id: observations.id });
  const landed = new Set(inserted.map((r) => r.id));
  const ratings = planned.flatMap((r) =>
    r.rating && landed.has(r.id) ? [{ observationId: r.id, ...r.rating }] : [],
  );
  if (ratings.length > 0) await db.insert(observationRatings).values(ratings);

  const skipped = planned.filter((r) => !landed.has(r.id));
  const found = await findByNaturalKeys(db, skipped);
  return planned.map((r) => {
    if (landed.has(r.id)) return { id: r.id, created: true };
    const existing =
      (r.externalId !== null ? found.byExternal.get(r.externalId) : undefined) ??
      (r.slackChannel !== null ? found.bySlack.get(`${r.slackChannel}/${r.slackTs}`) : undefined);
    if (existing === undefined) throw new Error(`observation ${r.id} neither landed nor conflicted`);
    return { id: existing, created: false };
  });
}

function byNaturalKey(a: NewObservation, b: NewObservation): number {
  const ka = a.externalId ?? `~${a.slackChannel}/${a.slackTs}`;
  const kb = b.externalId ?? `~${b.slackChannel}/${b.slackTs}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

async function findByNaturalKeys(
  db: Db,
  rows: readonly NewObservation[],
): Promise<{ byExternal: Map<string, number>; bySlack: Map<string, number> }> {
  const external = rows.flatMap((r) => (r.externalId === null ? [] : [r.externalId]));
  const slack = rows.flatMap((r) =>
    r.slackChannel === null || r.slackTs === null
      ? []
      : [and(eq(observations.slackChannel, r.slackChannel), eq(observations.slackTs, r.slackTs)) as SQL],
  );
  const conditions = [...(external.length > 0 ? [inArray(observations.externalId, external)] : []), ...slack];
  const byExternal = new Map<string, number>();
  const bySlack = new Map<string, number>();
  if (conditions.length === 0) return { byExternal, bySlack };
  const found = await db
    .select({
      id: observations.id,
      externalId: observations.externalId,
      slackChannel: observations.slackChannel,
      slackTs: observations.slackTs,
    })
    .from(observations)
    .where(or(...conditions));
  for (const f of found) {
    if (f.externalId !== null) byExternal.set(f.externalId, f.id);
    if (f.slackChannel !== null) bySlack.set(`${f.slackChannel}/${f.slackTs}`, f.id);
  }
  return { byExternal, bySlack };
}

/**
 * A rated Slack message seen before the application posted its observation carries no model; the posted
 * observation fills it in (only where it is still blank, so nothing recorded is overwritten).
 */
export async function attachToSlackObservation(
  db: Db,
  id: number,
  values: Pick<NewObservation, 'modelId' | 'input' | 'inputHash' | 'externalId' | 'userId' | 'comment'>,
): Promise<void> {
  await db
    .update(observations)
    .set({
      modelId: sql`coalesce(${observations.modelId}, ${values.modelId})`,
      input: sql`coalesce(${observations.input}, ${JSON.stringify(values.input)}::jsonb)`,
      inputHash: sql`coalesce(${observations.inputHash}, ${values.inputHash})`,
      externalId: sql`coalesce(${observations.externalId}, ${values.externalId})`,
      userId: sql`coalesce(${observations.userId}, ${values.userId})`,
      comment: sql`coalesce(${observations.comment}, ${values.comment})`,
    })
    .where(and(eq(observations.id, id), isNull(observations.modelId)));
}

export interface ListFilter {
  modelId?: number;
  rating?: Rating | 'none';
  status?: ObservationStatus;
  limit: number;
  /** Keyset: rows strictly older than this (at, id). */
  after?: { at: Date; id: number };
}

/** Newest first, keyset-paginated on (at, id) so page 1 000 costs what page 1 does. */
export async function listObservationRows(db: Db, filter: ListFilter): Promise<ObservationRow[]> {
  const conditions: (SQL | undefined)[] = [
    filter.modelId === undefined ? undefined : eq(observations.modelId, filter.modelId),
    filter.status === undefined ? undefined : eq(observations.status, filter.status),
    filter.rating === 'up' ? gt(observations.ups, 0) : undefined,
    filter.rating === 'down' ? gt(observations.downs, 0) : undefined,
    filter.rating === 'none' ? and(eq(observations.ups, 0), eq(observations.downs, 0)) : undefined,
    filter.after
      ? sql`(${observations.at}, ${observations.id}) < (${filter.after.at.toISOString()}::timestamptz, ${filter.after.id})`
      : undefined,
  ];
  return db
    .select()
    .from(observations)
    .where(and(...conditions))
    .orderBy(desc(observations.at), desc(observations.id))
    .limit(filter.limit);
}

export async function getObservationRow(db: Db, id: number): Promise<ObservationRow | null> {
  const [row] = await db.select().from(observations).where(eq(observations.id, id));
  return row ?? null;
}

export async function getObservationsByIds(db: Db, ids: readonly number[]): Promise<ObservationRow[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(observations)
    .where(inArray(observations.id, [...ids]));
}

export async function findObservationBySlack(
  db: Db,
  channel: string,
  ts: string,
): Promise<ObservationRow | null> {
  const [row] = await db
    .select()
    .from(observations)
    .where(and(eq(observations.slackChannel, channel), eq(observations.slackTs, ts)));
  return row ?? null;
}

/**
 * Sets (or, with null, withdraws) one rater's rating and keeps the ups/downs counters in step, in one
 * transaction with the observation row locked, so concurrent reactions on one message count exactly.
 * Returns false when the observation does not exist.
 */
export async function setRating(
  db: Db,
  input: { observationId: number; rater: string; rating: Rating | null; source: string; onlyIf?: Rating },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [locked] = await tx
      .select({ id: observations.id })
      .from(observations)
      .where(eq(observations.id, input.observationId))
      .for('update');
    if (!locked) return false;
    const [before] = await tx
      .select({ rating: observationRatings.rating })
      .from(observationRatings)
      .where(
        and(
          eq(observationRatings.observationId, input.observationId),
          eq(observationRatings.rater, input.rater),
        ),
      );
    const previous = before?.rating ?? null;
    // Removing 👍 after switching to 👎 must not withdraw the 👎: only the rating named is removed.
    if (input.onlyIf !== undefined && previous !== input.onlyIf) return true;
    if (previous === input.rating) return true;
    if (input.rating === null) {
      await tx
        .delete(observationRatings)
        .where(
          and(
            eq(observationRatings.observationId, input.observationId),
            eq(observationRatings.rater, input.rater),
          ),
        );
    } else {
      await tx
        .insert(observationRatings)
        .values({
          observationId: input.observationId,
          rater: input.rater,
          rating: input.rating,
          source: input.source,
        })
        .onConflictDoUpdate({
          target: [observationRatings.observationId, observationRatings.rater],
          set: { rating: input.rating, source: input.source, ratedAt: sql`now()` },
        });
    }
    const delta = (r: Rating) => (input.rating === r ? 1 : 0) - (previous === r ? 1 : 0);
    await tx
      .update(observations)
      .set({
        ups: sql`${observations.ups} + ${delta('up')}`,
        downs: sql`${observations.downs} + ${delta('down')}`,
      })
      .where(eq(observations.id, input.observationId));
    return true;
  });
}

/** Deletes untriaged observations older than `before`, a chunk at a time so no statement holds locks for long. */
export async function pruneUntriaged(db: Db, before: Date, chunk = 5_000): Promise<number> {
  let removed = 0;
  for (;;) {
    const rows = await db.execute<{ id: string }>(
      sql`delete from observations where id in (
            select id from observations
            where status = 'untriaged' and at < ${before.toISOString()}::timestamptz
            limit ${chunk}
          ) returning id`,
    );
    const n = executedRows(rows).length;
    removed += n;
    if (n < chunk) return removed;
  }
}

export async function markTriaged(
  db: Db,
  ids: readonly number[],
  values: {
    status: Exclude<ObservationStatus, 'untriaged'>;
    by: string | null;
    at: Date;
    patternId?: number;
    reason?: string;
  },
): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await db
    .update(observations)
    .set({
      status: values.status,
      triagedBy: values.by,
      triagedAt: values.at,
      patternId: values.patternId ?? null,
      dismissReason: values.reason ?? null,
    })
    .where(and(inArray(observations.id, [...ids]), eq(observations.status, 'untriaged')))
    .returning({ id: observations.id });
  return rows.length;
}

export async function modelIdsByRef(
  db: Db,
  refs: readonly { name: string; version: string }[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (refs.length === 0) return out;
  const rows = await db
    .select({ id: models.id, name: models.name, version: models.version })
    .from(models)
    .where(or(...refs.map((r) => and(eq(models.name, r.name), eq(models.version, r.version)))));
  for (const r of rows) out.set(`${r.name}@${r.version}`, r.id);
  return out;
}

export interface TriageGroupRow {
  /** The newest observation of the group. */
  newestId: number;
  count: number;
  /** The group's newest observations, newest first, at most TRIAGE_GROUP_IDS of them. */
  ids: number[];
  /** Model ids of the group's observations, newest first, repeats included (null: unattributed). */
  modelIds: (number | null)[];
  /** Groups in the whole queue, whatever the limit. */
  totalGroups: number;
  /** Observations in the whole queue. */
  totalObservations: number;
}

/** A group of 10 000 identical complaints lists its newest ids only: the rest are marked by input hash. */
export const TRIAGE_GROUP_IDS = 100;

/**
 * The triage queue grouped in SQL: identical inputs (same hash; an observation without input stands alone)
 * once, newest group first. Grouping in the database keeps each count exact however long the queue is, and
 * only `limit` groups cross the wire.
 */
export async function untriagedComplaintGroups(db: Db, limit: number): Promise<TriageGroupRow[]> {
  const result = await db.execute(
    sql`with queue as (
          select id, at, model_id, coalesce(input_hash, 'id:' || id::text) as k
          from observations where status = 'untriaged' and downs > 0
        ), groups as (
          select k, count(*)::int as n, max(at) as newest_at,
                 (array_agg(id order by at desc, id desc))[1:${TRIAGE_GROUP_IDS}] as ids,
                 (array_agg(model_id order by at desc, id desc))[1:${TRIAGE_GROUP_IDS}] as model_ids
          from queue group by k
        )
        -- As text: postgres.js and PGlite parse arrays differently (or not at all) through execute().
        select array_to_string(ids, ',') as ids, array_to_string(model_ids, ',', '0') as model_ids, n,
               count(*) over ()::int as total_groups, sum(n) over ()::int as total_observations
        from groups order by newest_at desc, ids[1] desc limit ${limit}`,
  );
  return executedRows<{
    ids: string;
    model_ids: string;
    n: number | string;
    total_groups: number | string;
    total_observations: number | string;
  }>(result).map((r) => {
    const ids = r.ids.split(',').map(Number);
    return {
      newestId: ids[0] ?? 0,
      count: Number(r.n),
      ids,
      modelIds: r.model_ids.split(',').map((m) => (m === '0' ? null : Number(m))),
      totalGroups: Number(r.total_groups),
      totalObservations: Number(r.total_observations),
    };
  });
}

/** Ids of the untriaged 👎 observations with this input: triage marks them together. */
export async function untriagedComplaintIdsWithInput(db: Db, inputHash: string): Promise<number[]> {
  const rows = await db
    .select({ id: observations.id })
    .from(observations)
    .where(
      and(
        eq(observations.inputHash, inputHash),
        eq(observations.status, 'untriaged'),
        gt(observations.downs, 0),
      ),
    );
  return rows.map((r) => r.id);
}

/** postgres.js answers `execute` with an array of rows, PGlite with an object holding them: read either. */
function executedRows<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] } | null)?.rows ?? []) as T[];
}

/** Ties an observation to the card Canary posted for it, unless it is already tied to a Slack message. */
export async function setObservationSlack(
  db: Db,
  id: number,
  ref: { channel: string; ts: string },
): Promise<boolean> {
  const rows = await db
    .update(observations)
    .set({ slackChannel: ref.channel, slackTs: ref.ts })
    .where(and(eq(observations.id, id), isNull(observations.slackChannel)))
    .returning({ id: observations.id });
  return rows.length > 0;
}
