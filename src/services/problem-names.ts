import type { Problem } from '../core/problem.ts';
import { isProblemKey } from '../core/problem.ts';
import type { Db } from '../db/client.ts';
import { findOpenProblemByTitle, problemsByTitles } from '../db/queries/problems.ts';
import { isUniqueViolation } from '../db/unique-violation.ts';
import { fail } from './errors.ts';

/** The partial unique index on lower(title) of open and monitoring problems (src/db/schema.ts). */
export const OPEN_TITLE_INDEX = 'problems_open_title_uq';

/** Refuses a title an open problem already has, naming that problem, so people add to it instead. */
export async function refuseOpenTitleClash(db: Db, title: string, exceptId?: number): Promise<void> {
  const existing = await findOpenProblemByTitle(db, title, exceptId);
  if (existing) titleTaken(existing);
}

function titleTaken(existing: Problem): never {
  return fail(
    'duplicate',
    `${existing.key} already has that title (“${existing.title}”); add patterns to ${existing.key} or choose another title.`,
    'title',
  );
}

/**
 * Runs a write that may create or reopen a problem; when the database's unique index refuses it (a concurrent
 * request won the race past the pre-check) the refusal names the problem that has the title. Inside a
 * transaction, run the write in a savepoint (tx.transaction) so the lookup afterwards still works.
 */
export async function withOpenTitleGuard<T>(
  db: Db,
  titles: readonly string[],
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!isUniqueViolation(error, OPEN_TITLE_INDEX)) throw error;
    for (const title of titles) {
      const existing = await findOpenProblemByTitle(db, title);
      if (existing) titleTaken(existing);
    }
    return fail('duplicate', 'An open problem already has that title; choose another title.', 'title');
  }
}

/**
 * A title names a problem only when exactly one problem (of any status) has it: otherwise an import row could
 * land on the wrong one. Refuses every such name at once, saying which items (0-based, as the REST API counts
 * them) use it and which keys share the title.
 */
export async function refuseAmbiguousTitles(db: Db, names: readonly string[]): Promise<void> {
  const titles = names.filter((n) => !isProblemKey(n));
  if (titles.length === 0) return;
  const byTitle = await problemsByTitles(db, [...new Set(titles)]);
  const ambiguous = new Map<string, { keys: string[]; items: number[] }>();
  names.forEach((name, index) => {
    if (isProblemKey(name)) return;
    const matches = byTitle.get(name.trim().toLowerCase()) ?? [];
    if (matches.length < 2) return;
    const entry = ambiguous.get(name) ?? { keys: matches.map((p) => p.key), items: [] };
    entry.items.push(index);
    ambiguous.set(name, entry);
  });
  if (ambiguous.size === 0) return;
  const parts = [...ambiguous].map(
    ([name, { keys, items }]) =>
      `"${name}" (item${items.length === 1 ? '' : 's'} ${listed(items)}) is the title of ${keys.join(' and ')}`,
  );
  const first = [...ambiguous.values()][0]?.items[0] ?? 0;
  fail(
    'ambiguous_problem',
    `${parts.join('; ')}: name the problem by its key instead. Nothing was saved.`,
    names.length > 1 ? `[${first}].problem` : 'problem',
  );
}

/** A 50,000-item import may name the title everywhere: show the first few items, then how many more. */
function listed(items: readonly number[]): string {
  const shown = items.slice(0, 10).join(', ');
  return items.length > 10 ? `${shown} and ${items.length - 10} more` : shown;
}
