import { and, desc, inArray, type SQL, sql } from 'drizzle-orm';
import type { Problem } from '../../core/problem.ts';
import { normaliseProblemKey } from '../../core/problem.ts';
import type { Db } from '../client.ts';
import { problems } from '../schema.ts';
import { toProblem } from './problems.ts';

/** `%` and `_` typed by a person are letters, not wildcards. */
function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Open (and monitoring) problems for a type-ahead: the key typed (P-3, p-3, 3) first, then titles starting with
 * the text, then titles containing it, newest first within each; with no text, the newest. Every open problem is
 * reachable however many there are, because the picker asks again as the person types.
 */
export async function searchOpenProblems(db: Db, query: string, limit: number): Promise<Problem[]> {
  const text = query.trim().slice(0, 200);
  const key = normaliseProblemKey(text.startsWith('#') ? text.slice(1) : text);
  const open = inArray(problems.status, ['open', 'monitoring']);
  if (text === '') {
    const rows = await db.select().from(problems).where(open).orderBy(desc(problems.id)).limit(limit);
    return rows.map(toProblem);
  }
  const pattern = likeEscaped(text.toLowerCase());
  const matches: SQL[] = [sql`lower(${problems.title}) like ${`%${pattern}%`} escape '\\'`];
  if (key) matches.push(sql`${problems.key} = ${key}`);
  const rows = await db
    .select()
    .from(problems)
    .where(and(open, sql`(${sql.join(matches, sql` or `)})`))
    .orderBy(
      ...(key ? [desc(sql`(${problems.key} = ${key})`)] : []),
      desc(sql`(lower(${problems.title}) like ${`${pattern}%`} escape '\\')`),
      desc(problems.id),
    )
    .limit(limit);
  return rows.map(toProblem);
}
