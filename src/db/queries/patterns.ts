import { and, asc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Expectation } from '../../core/expectations/handler.ts';
import type { OutcomeStatus } from '../../core/outcome.ts';
import type { Pattern, PatternInput, PatternSource, Polarity } from '../../core/pattern.ts';
import type { Db } from '../client.ts';
import { models, patternRevisions, patterns, results } from '../schema.ts';

/**
 * Only the latest revision of a pattern is evaluated and reported. Written as `not exists (a newer one)`
 * rather than `= (select max(…))`: the planner turns it into an anti-join with a sane row estimate, where the
 * correlated max() made it guess a handful of rows and pick a quadratic nested loop on fresh tables.
 */
export const isCurrentRevision: SQL = sql`not exists (select 1 from pattern_revisions nr where nr.pattern_id = ${patternRevisions.patternId} and nr.revision > ${patternRevisions.revision})`;

const patternColumns = {
  id: patterns.id,
  problemId: patterns.problemId,
  revisionId: patternRevisions.id,
  revision: patternRevisions.revision,
  input: patternRevisions.input,
  expectation: patternRevisions.expectation,
  polarity: patterns.polarity,
  source: patterns.source,
  sourceChannel: patterns.sourceChannel,
  sourceTs: patterns.sourceTs,
  sourcePermalink: patterns.sourcePermalink,
  creatorId: patterns.creatorId,
  notes: patterns.notes,
  active: patterns.active,
  deactivatedAt: patterns.deactivatedAt,
  deactivatedBy: patterns.deactivatedBy,
  createdAt: patterns.createdAt,
  derivedFromPatternId: patterns.derivedFromPatternId,
  perturbation: patterns.perturbation,
};

/** Patterns with their current revision, in id order. */
async function selectPatterns(db: Db, where: SQL | undefined): Promise<Pattern[]> {
  const rows = await db
    .select(patternColumns)
    .from(patterns)
    .innerJoin(patternRevisions, and(eq(patternRevisions.patternId, patterns.id), isCurrentRevision))
    .where(where)
    .orderBy(asc(patterns.id));
  return rows.map(({ derivedFromPatternId, perturbation, ...row }) => ({
    ...row,
    input: row.input as PatternInput,
    expectation: row.expectation as Expectation,
    derivedFrom:
      derivedFromPatternId !== null && perturbation !== null
        ? { patternId: derivedFromPatternId, perturbation }
        : null,
  }));
}

export async function getPatternById(db: Db, id: number): Promise<Pattern | null> {
  const [pattern] = await selectPatterns(db, eq(patterns.id, id));
  return pattern ?? null;
}

export async function getPatternsByIds(db: Db, ids: readonly number[]): Promise<Pattern[]> {
  if (ids.length === 0) return [];
  const out: Pattern[] = [];
  for (const part of chunksOf(ids, 5_000))
    out.push(...(await selectPatterns(db, inArray(patterns.id, part))));
  return out.sort((a, b) => a.id - b.id);
}

export async function listPatternsOfProblem(
  db: Db,
  problemId: number,
  opts: { includeInactive?: boolean } = {},
): Promise<Pattern[]> {
  return selectPatterns(
    db,
    and(eq(patterns.problemId, problemId), opts.includeInactive ? undefined : eq(patterns.active, true)),
  );
}

export interface NewPattern {
  problemId: number;
  fingerprint: string;
  input: PatternInput;
  expectation: Expectation;
  polarity: Polarity;
  source: PatternSource;
  sourceChannel: string | null;
  sourceTs: string | null;
  sourcePermalink: string | null;
  creatorId: string | null;
  notes: string;
  derivedFromPatternId?: number | null;
  perturbation?: string | null;
}

export interface InsertedPatterns {
  /** Newly created, with revision 1. */
  created: Pattern[];
  /** Rows that already existed for the same (problem, fingerprint) or (channel, ts). */
  existing: Pattern[];
  /** Per draft, in order: the id of the pattern it created or found (null only if it vanished meanwhile). */
  patternIds: (number | null)[];
}

/**
 * Rows per statement: a pattern row binds 9 parameters and Postgres allows 65,535 per statement, so 1,000 rows
 * stay far below the limit whatever the import's size, and a lookup never grows one statement (or the query
 * builder's work) with the number of drafts.
 */
export const WRITE_CHUNK = 1_000;

export function chunksOf<T>(items: readonly T[], size = WRITE_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Inserts patterns and their first revisions; call inside a transaction. Conflicts on either natural key are
 * skipped by the database (`on conflict do nothing`), so two concurrent imports of the same pattern leave one
 * row, and the conflicting rows are read back as `existing`. Drafts must be distinct (the service drops repeats
 * first). Works in chunks of WRITE_CHUNK rows, so 50,000 drafts are 50 small statements, not one that fails.
 */
export async function insertPatternsWithRevisions(
  db: Db,
  drafts: readonly NewPattern[],
  opts: { addId?: number | null } = {},
): Promise<InsertedPatterns> {
  if (drafts.length === 0) return { created: [], existing: [], patternIds: [] };
  const idOf = new Map<string, number>();
  const createdIds: number[] = [];
  for (const part of chunksOf(drafts)) {
    const inserted = await db
      .insert(patterns)
      .values(
        part.map((d) => ({
          problemId: d.problemId,
          fingerprint: d.fingerprint,
          polarity: d.polarity,
          source: d.source,
          sourceChannel: d.sourceChannel,
          sourceTs: d.sourceTs,
          sourcePermalink: d.sourcePermalink,
          creatorId: d.creatorId,
          notes: d.notes,
          derivedFromPatternId: d.derivedFromPatternId ?? null,
          perturbation: d.perturbation ?? null,
        })),
      )
      .onConflictDoNothing()
      .returning({ id: patterns.id, problemId: patterns.problemId, fingerprint: patterns.fingerprint });
    if (inserted.length === 0) continue;
    const draftByIdentity = new Map(part.map((d) => [identity(d.problemId, d.fingerprint), d]));
    await db.insert(patternRevisions).values(
      inserted.map((row) => {
        const draft = draftByIdentity.get(identity(row.problemId, row.fingerprint)) as NewPattern;
        return {
          patternId: row.id,
          revision: 1,
          input: draft.input,
          expectation: draft.expectation,
          createdBy: draft.creatorId,
          addId: opts.addId ?? null,
        };
      }),
    );
    for (const row of inserted) {
      idOf.set(identity(row.problemId, row.fingerprint), row.id);
      createdIds.push(row.id);
    }
  }
  const skipped = drafts.filter((d) => !idOf.has(identity(d.problemId, d.fingerprint)));
  const found = await findExistingPatternKeys(db, skipped);
  const byFingerprint = new Map(found.map((f) => [identity(f.problemId, f.fingerprint), f.id]));
  const bySource = new Map(
    found.filter((f) => f.sourceChannel !== null).map((f) => [`${f.sourceChannel}/${f.sourceTs}`, f.id]),
  );
  const patternIds = drafts.map((d) => {
    const key = identity(d.problemId, d.fingerprint);
    const source = d.sourceChannel === null ? undefined : bySource.get(`${d.sourceChannel}/${d.sourceTs}`);
    return idOf.get(key) ?? byFingerprint.get(key) ?? source ?? null;
  });
  const created = new Set(createdIds);
  const existingIds = [...new Set(patternIds.filter((id): id is number => id !== null && !created.has(id)))];
  const [createdRows, existingRows] = await Promise.all([
    getPatternsByIds(db, createdIds),
    getPatternsByIds(db, existingIds),
  ]);
  return { created: createdRows, existing: existingRows, patternIds };
}

/** Arbitrary constant naming the lock below. */
const PATTERN_WRITE_LOCK = 774_112_002;

/**
 * Serialises pattern additions until the transaction ends. Adds are human-paced, and without it two imports
 * of overlapping patterns in different orders could each wait on the other's unique-index entries.
 */
export async function lockPatternWrites(db: Db): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(${PATTERN_WRITE_LOCK})`);
}

function identity(problemId: number, fingerprint: string): string {
  return `${problemId}:${fingerprint}`;
}

interface ExistingKey {
  id: number;
  problemId: number;
  fingerprint: string;
  sourceChannel: string | null;
  sourceTs: string | null;
}

/** The patterns that made these drafts conflict, by either natural key, looked up a chunk at a time. */
async function findExistingPatternKeys(db: Db, drafts: readonly NewPattern[]): Promise<ExistingKey[]> {
  const out: ExistingKey[] = [];
  // An OR of three-parameter terms: 300 drafts per statement keeps it well under the parameter limit.
  for (const part of chunksOf(drafts, 300)) {
    const conditions: SQL[] = part.map((d) => {
      const byFingerprint = and(
        eq(patterns.problemId, d.problemId),
        eq(patterns.fingerprint, d.fingerprint),
      ) as SQL;
      if (d.sourceChannel === null || d.sourceTs === null) return byFingerprint;
      const bySource = and(
        eq(patterns.sourceChannel, d.sourceChannel),
        eq(patterns.sourceTs, d.sourceTs),
      ) as SQL;
      return sql`(${byFingerprint} or ${bySource})`;
    });
    const rows = await db
      .select({
        id: patterns.id,
        problemId: patterns.problemId,
        fingerprint: patterns.fingerprint,
        sourceChannel: patterns.sourceChannel,
        sourceTs: patterns.sourceTs,
      })
      .from(patterns)
      .where(sql`(${sql.join(conditions, sql` or `)})`);
    out.push(...rows);
  }
  return out;
}

/** Appends the next revision number; the pattern row is locked so concurrent edits number in turn. Use in a transaction. */
export async function appendRevision(
  db: Db,
  patternId: number,
  revision: { input: PatternInput; expectation: Expectation; createdBy: string | null },
): Promise<{ id: number; revision: number }> {
  await db.select({ id: patterns.id }).from(patterns).where(eq(patterns.id, patternId)).for('update');
  const [row] = await db
    .insert(patternRevisions)
    .values({
      patternId,
      revision: sql`(select coalesce(max(r.revision), 0) + 1 from pattern_revisions r where r.pattern_id = ${patternId})`,
      input: revision.input,
      expectation: revision.expectation,
      createdBy: revision.createdBy,
    })
    .returning({ id: patternRevisions.id, revision: patternRevisions.revision });
  return row as { id: number; revision: number };
}

/** Locks the pattern row until the transaction ends and says whether it is active; null when there is none. */
export async function lockPattern(db: Db, patternId: number): Promise<{ active: boolean } | null> {
  const [row] = await db
    .select({ active: patterns.active })
    .from(patterns)
    .where(eq(patterns.id, patternId))
    .for('update');
  return row ?? null;
}

export async function updatePatternRow(
  db: Db,
  patternId: number,
  patch: {
    notes?: string;
    polarity?: Polarity;
    active?: boolean;
    deactivatedAt?: Date | null;
    deactivatedBy?: string | null;
  },
  now: Date,
): Promise<boolean> {
  const rows = await db
    .update(patterns)
    .set({ ...patch, updatedAt: now })
    .where(eq(patterns.id, patternId))
    .returning({ id: patterns.id });
  return rows.length > 0;
}

export interface RevisionForEvaluation {
  id: number;
  patternId: number;
  problemId: number;
  input: PatternInput;
  expectation: Expectation;
}

interface EvaluationScope {
  modelId: number;
  problemId?: number;
  onlyMissing: boolean;
  runs: number;
  revisionIds?: readonly number[];
  /** Only revisions that arrived with this bulk add. */
  addId?: number;
}

/**
 * Current revisions of active patterns to run on a model. With onlyMissing, a revision is left out once it has
 * `runs` non-errored results for the model: errored runs are infrastructure trouble and worth another try.
 */
export async function patternRevisionsForEvaluation(
  db: Db,
  params: EvaluationScope,
): Promise<RevisionForEvaluation[]> {
  const rows = await db
    .select({
      id: patternRevisions.id,
      patternId: patterns.id,
      problemId: patterns.problemId,
      input: patternRevisions.input,
      expectation: patternRevisions.expectation,
    })
    .from(patterns)
    .innerJoin(patternRevisions, and(eq(patternRevisions.patternId, patterns.id), isCurrentRevision))
    .where(evaluationScope(params))
    .orderBy(asc(patternRevisions.id));
  return rows.map((r) => ({
    ...r,
    input: r.input as PatternInput,
    expectation: r.expectation as Expectation,
  }));
}

/**
 * The same revisions as patternRevisionsForEvaluation, ids only: scheduling needs nothing else, and decoding
 * ten thousand inputs and expectations it would throw away costs more than the query.
 */
export async function revisionIdsForEvaluation(db: Db, params: EvaluationScope): Promise<number[]> {
  const rows = await db
    .select({ id: patternRevisions.id })
    .from(patterns)
    .innerJoin(patternRevisions, and(eq(patternRevisions.patternId, patterns.id), isCurrentRevision))
    .where(evaluationScope(params))
    .orderBy(asc(patternRevisions.id));
  return rows.map((r) => r.id);
}

function evaluationScope(params: EvaluationScope): SQL | undefined {
  return and(
    eq(patterns.active, true),
    params.problemId === undefined ? undefined : eq(patterns.problemId, params.problemId),
    params.revisionIds === undefined ? undefined : inArray(patternRevisions.id, [...params.revisionIds]),
    params.addId === undefined ? undefined : eq(patternRevisions.addId, params.addId),
    params.onlyMissing ? lacksAnswers(params.modelId, params.runs) : undefined,
  );
}

/**
 * Fewer than `runs` non-errored results of the model on the revision. Once per revision, so it must plan as
 * an anti-join (runs = 1, the common case) or an index probe on the (model, revision, run) key, never a scan.
 */
function lacksAnswers(modelId: number, runs: number): SQL {
  const answered = sql`from ${results} where ${results.modelId} = ${modelId} and ${results.patternRevisionId} = ${patternRevisions.id} and ${results.run} <= ${runs} and ${results.status} <> 'errored'`;
  if (runs === 1) return sql`not exists (select 1 ${answered})`;
  return sql`(select count(*) ${answered}) < ${runs}`;
}

export interface RunRow {
  modelId: number;
  patternId: number;
  patternRevisionId: number;
  problemId: number;
  run: number;
  status: OutcomeStatus;
  reason: string;
  prediction: unknown;
  createdAt: Date;
}

/** Every run of the given revisions on models that are not retired. */
export async function runsOfRevisions(db: Db, revisionIds: readonly number[]): Promise<RunRow[]> {
  if (revisionIds.length === 0) return [];
  return db
    .select({
      modelId: results.modelId,
      patternId: results.patternId,
      patternRevisionId: results.patternRevisionId,
      problemId: results.problemId,
      run: results.run,
      status: results.status,
      reason: results.reason,
      prediction: sql<unknown>`${results.prediction} - 'raw'`,
      createdAt: results.createdAt,
    })
    .from(results)
    .innerJoin(models, eq(models.id, results.modelId))
    .where(and(inArray(results.patternRevisionId, [...revisionIds]), sql`${models.status} <> 'retired'`))
    .orderBy(asc(results.modelId), asc(results.patternRevisionId), asc(results.run));
}
