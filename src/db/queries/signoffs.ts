import { and, asc, eq, gt, inArray, isNotNull, isNull, lte, type SQL } from 'drizzle-orm';
import { formatModelRef } from '../../core/model.ts';
import type { Db } from '../client.ts';
import { models, problems, signoffs } from '../schema.ts';

export interface Signoff {
  id: number;
  problemId: number;
  problemKey: string;
  problemTitle: string;
  modelId: number;
  /** name@version */
  model: string;
  passRate: number;
  signedBy: string;
  signedAt: Date;
  revokedAt: Date | null;
  revokedBy: string | null;
  brokenAt: Date | null;
  brokenByModelId: number | null;
}

const signoffColumns = {
  id: signoffs.id,
  problemId: signoffs.problemId,
  problemKey: problems.key,
  problemTitle: problems.title,
  modelId: signoffs.modelId,
  modelName: models.name,
  modelVersion: models.version,
  passRate: signoffs.passRate,
  signedBy: signoffs.signedBy,
  signedAt: signoffs.signedAt,
  revokedAt: signoffs.revokedAt,
  revokedBy: signoffs.revokedBy,
  brokenAt: signoffs.brokenAt,
  brokenByModelId: signoffs.brokenByModelId,
};

async function selectSignoffs(db: Db, where: SQL | undefined): Promise<Signoff[]> {
  const rows = await db
    .select(signoffColumns)
    .from(signoffs)
    .innerJoin(problems, eq(problems.id, signoffs.problemId))
    .innerJoin(models, eq(models.id, signoffs.modelId))
    .where(where)
    .orderBy(asc(signoffs.id));
  return rows.map(({ modelName, modelVersion, ...rest }) => ({
    ...rest,
    model: formatModelRef({ name: modelName, version: modelVersion }),
  }));
}

/** Standing sign-offs: neither revoked nor broken. */
const isStanding: SQL = and(isNull(signoffs.revokedAt), isNull(signoffs.brokenAt)) as SQL;

/** Oldest first; `standing` keeps only those still in force, `problemId` those of one problem. */
export async function listSignoffRows(
  db: Db,
  filter: { standing?: boolean; problemId?: number } = {},
): Promise<Signoff[]> {
  return selectSignoffs(
    db,
    and(
      filter.standing ? isStanding : undefined,
      filter.problemId === undefined ? undefined : eq(signoffs.problemId, filter.problemId),
    ),
  );
}

/** This person's standing sign-off of the problem on the model, if any. */
export async function findStandingSignoff(
  db: Db,
  key: { problemId: number; modelId: number; signedBy: string },
): Promise<Signoff | null> {
  const [signoff] = await selectSignoffs(
    db,
    and(
      isStanding,
      eq(signoffs.problemId, key.problemId),
      eq(signoffs.modelId, key.modelId),
      eq(signoffs.signedBy, key.signedBy),
    ),
  );
  return signoff ?? null;
}

/** Every sign-off this model broke, revoked or not. */
export async function signoffsBrokenBy(db: Db, modelId: number): Promise<Signoff[]> {
  return selectSignoffs(db, eq(signoffs.brokenByModelId, modelId));
}

/** Sign-offs broken in (since, until] and not revoked since: news for the digest. */
export async function signoffsBrokenBetween(db: Db, since: Date, until: Date): Promise<Signoff[]> {
  return selectSignoffs(
    db,
    and(
      isNull(signoffs.revokedAt),
      isNotNull(signoffs.brokenAt),
      gt(signoffs.brokenAt, since),
      lte(signoffs.brokenAt, until),
    ),
  );
}

/**
 * Null when the same person already has a standing sign-off of the problem on the model (the partial unique
 * index `signoffs_standing_uq`): two clicks racing each other leave one row, not two.
 */
export async function insertSignoff(
  db: Db,
  values: { problemId: number; modelId: number; passRate: number; signedBy: string; signedAt: Date },
): Promise<Signoff | null> {
  const [row] = await db
    .insert(signoffs)
    .values(values)
    .onConflictDoNothing({
      target: [signoffs.problemId, signoffs.modelId, signoffs.signedBy],
      where: isStanding,
    })
    .returning({ id: signoffs.id });
  if (!row) return null;
  const [signoff] = await selectSignoffs(db, eq(signoffs.id, row.id));
  return signoff ?? null;
}

export async function getSignoff(db: Db, id: number): Promise<Signoff | null> {
  const [signoff] = await selectSignoffs(db, eq(signoffs.id, id));
  return signoff ?? null;
}

export async function revokeSignoffRow(db: Db, id: number, by: string, now: Date): Promise<Signoff | null> {
  const rows = await db
    .update(signoffs)
    .set({ revokedAt: now, revokedBy: by })
    .where(and(eq(signoffs.id, id), isNull(signoffs.revokedAt)))
    .returning({ id: signoffs.id });
  return rows.length > 0 ? getSignoff(db, id) : null;
}

/** Marks them broken, once: a sign-off already broken (e.g. by a concurrent check) is not returned again. */
export async function markBroken(
  db: Db,
  ids: readonly number[],
  byModelId: number,
  now: Date,
): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .update(signoffs)
    .set({ brokenAt: now, brokenByModelId: byModelId })
    .where(and(inArray(signoffs.id, [...ids]), isStanding))
    .returning({ id: signoffs.id });
  return rows.map((r) => r.id);
}
