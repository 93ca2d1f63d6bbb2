import { and, asc, count, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Problem, ProblemStatus, Severity } from '../../core/problem.ts';
import { normaliseProblemKey } from '../../core/problem.ts';
import type { Db } from '../client.ts';
import { patterns, problems } from '../schema.ts';

type ProblemRow = typeof problems.$inferSelect;

export function toProblem(row: ProblemRow): Problem {
  return {
    id: row.id,
    key: row.key,
    title: row.title,
    description: row.description,
    status: row.status,
    severity: row.severity,
    threshold: row.threshold,
    ownerId: row.ownerId,
    creatorId: row.creatorId,
    homeChannel: row.homeChannel,
    homeTs: row.homeTs,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export interface NewProblem {
  title: string;
  description?: string;
  severity?: Severity;
  threshold?: number | null;
  creatorId?: string | null;
  ownerId?: string | null;
}

export async function insertProblem(db: Db, values: NewProblem): Promise<Problem> {
  const [row] = await db
    .insert(problems)
    .values({
      title: values.title,
      description: values.description ?? '',
      severity: values.severity ?? 'medium',
      threshold: values.threshold ?? null,
      creatorId: values.creatorId ?? null,
      ownerId: values.ownerId ?? values.creatorId ?? null,
    })
    .returning();
  return toProblem(row as ProblemRow);
}

/** Several problems in one statement (e.g. an import that creates the problems it names). */
export async function insertProblems(db: Db, values: readonly NewProblem[]): Promise<Problem[]> {
  if (values.length === 0) return [];
  const rows = await db
    .insert(problems)
    .values(
      values.map((v) => ({
        title: v.title,
        description: v.description ?? '',
        severity: v.severity ?? 'medium',
        threshold: v.threshold ?? null,
        creatorId: v.creatorId ?? null,
        ownerId: v.ownerId ?? v.creatorId ?? null,
      })),
    )
    .returning();
  return rows.map(toProblem);
}

export async function getProblemById(db: Db, id: number): Promise<Problem | null> {
  const [row] = await db.select().from(problems).where(eq(problems.id, id));
  return row ? toProblem(row) : null;
}

export async function getProblemByKey(db: Db, key: string): Promise<Problem | null> {
  const normalised = normaliseProblemKey(key);
  if (normalised === null) return null;
  const [row] = await db.select().from(problems).where(eq(problems.key, normalised));
  return row ? toProblem(row) : null;
}

/**
 * What people type: a key (P-12, p-12, 12) or the exact title (case and surrounding spaces ignored).
 * The key wins; among equal titles the oldest problem wins.
 */
export async function findProblemByKeyOrTitle(db: Db, s: string): Promise<Problem | null> {
  const byKey = await getProblemByKey(db, s);
  if (byKey) return byKey;
  const title = s.trim();
  if (title === '') return null;
  const [row] = await db
    .select()
    .from(problems)
    .where(sql`lower(${problems.title}) = lower(${title})`)
    .orderBy(asc(problems.id))
    .limit(1);
  return row ? toProblem(row) : null;
}

/** The open (or monitoring) problem with this title, case-insensitively: the one a new problem would clash with. */
export async function findOpenProblemByTitle(
  db: Db,
  title: string,
  exceptId?: number,
): Promise<Problem | null> {
  const [row] = await db
    .select()
    .from(problems)
    .where(
      and(
        sql`lower(${problems.title}) = lower(${title})`,
        inArray(problems.status, ['open', 'monitoring']),
        exceptId === undefined ? undefined : sql`${problems.id} <> ${exceptId}`,
      ),
    )
    .limit(1);
  return row ? toProblem(row) : null;
}

/** Every problem per lower-cased title given (any status), oldest first: more than one means the title is ambiguous. */
export async function problemsByTitles(db: Db, titles: readonly string[]): Promise<Map<string, Problem[]>> {
  const wanted = [...new Set(titles.map((t) => t.trim().toLowerCase()).filter((t) => t !== ''))];
  const byTitle = new Map<string, Problem[]>();
  if (wanted.length === 0) return byTitle;
  const rows = await db
    .select()
    .from(problems)
    .where(inArray(sql`lower(${problems.title})`, wanted))
    .orderBy(asc(problems.id));
  for (const row of rows) {
    const key = row.title.toLowerCase();
    byTitle.set(key, [...(byTitle.get(key) ?? []), toProblem(row)]);
  }
  return byTitle;
}

/** Resolves many names at once; the map is keyed by the string as given. */
export async function findProblemsByKeyOrTitle(
  db: Db,
  names: readonly string[],
): Promise<Map<string, Problem>> {
  const found = new Map<string, Problem>();
  const unique = [...new Set(names)];
  if (unique.length === 0) return found;
  const keys = unique.map(normaliseProblemKey).filter((k): k is string => k !== null);
  const titles = unique.map((n) => n.trim().toLowerCase()).filter((t) => t !== '');
  const conditions: SQL[] = [];
  if (keys.length > 0) conditions.push(inArray(problems.key, keys));
  if (titles.length > 0) conditions.push(inArray(sql`lower(${problems.title})`, titles));
  if (conditions.length === 0) return found;
  const rows = await db
    .select()
    .from(problems)
    .where(sql.join(conditions, sql` or `))
    .orderBy(asc(problems.id));
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const byTitle = new Map<string, ProblemRow>();
  for (const r of rows) if (!byTitle.has(r.title.toLowerCase())) byTitle.set(r.title.toLowerCase(), r);
  for (const name of unique) {
    const key = normaliseProblemKey(name);
    const row = (key && byKey.get(key)) || byTitle.get(name.trim().toLowerCase());
    if (row) found.set(name, toProblem(row));
  }
  return found;
}

export async function listProblemRows(
  db: Db,
  opts: { status?: readonly ProblemStatus[] } = {},
): Promise<Problem[]> {
  const where =
    opts.status && opts.status.length > 0 ? inArray(problems.status, [...opts.status]) : undefined;
  const rows = await db.select().from(problems).where(where).orderBy(asc(problems.id));
  return rows.map(toProblem);
}

export interface PatternCounts {
  total: number;
  active: number;
}

export async function patternCountsByProblem(
  db: Db,
  problemIds: readonly number[],
): Promise<Map<number, PatternCounts>> {
  const counts = new Map<number, PatternCounts>();
  if (problemIds.length === 0) return counts;
  const rows = await db
    .select({
      problemId: patterns.problemId,
      total: count(),
      active: sql<number>`count(*) filter (where ${patterns.active})`.mapWith(Number),
    })
    .from(patterns)
    .where(inArray(patterns.problemId, [...problemIds]))
    .groupBy(patterns.problemId);
  for (const r of rows) counts.set(r.problemId, { total: r.total, active: r.active });
  return counts;
}

export interface ProblemPatch {
  title?: string;
  description?: string;
  threshold?: number | null;
  status?: ProblemStatus;
  severity?: Severity;
  ownerId?: string | null;
  homeChannel?: string | null;
  homeTs?: string | null;
}

export async function updateProblemRow(
  db: Db,
  id: number,
  patch: ProblemPatch,
  now: Date,
): Promise<Problem | null> {
  const [row] = await db
    .update(problems)
    .set({ ...patch, updatedAt: now })
    .where(eq(problems.id, id))
    .returning();
  return row ? toProblem(row) : null;
}

/** Sets the home thread only once: a retried announcement must not move it. */
export async function setProblemHomeIfUnset(
  db: Db,
  id: number,
  home: { channel: string; ts: string },
  now: Date,
): Promise<Problem | null> {
  const [row] = await db
    .update(problems)
    .set({ homeChannel: home.channel, homeTs: home.ts, updatedAt: now })
    .where(and(eq(problems.id, id), sql`${problems.homeTs} is null`))
    .returning();
  return row ? toProblem(row) : getProblemById(db, id);
}
