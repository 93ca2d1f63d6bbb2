import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import postgres from 'postgres';
import type { Expectation } from '../../src/core/expectations/handler.ts';
import { patternFingerprint } from '../../src/services/patterns.ts';
import { ROOT } from './env.ts';

/**
 * The CheckList sentiment cases: the workplace's shared/ copy (laid beside the clone in CI) when present, else the
 * gzipped snapshot in bench/data/ (the same 8,582 lines).
 */
const SHARED_MFT = resolve(ROOT, '../shared/data/checklist-sentiment/mft_n500.jsonl');
export const MFT_PATH = existsSync(SHARED_MFT) ? SHARED_MFT : resolve(ROOT, 'bench/data/mft_n500.jsonl.gz');

export interface Case {
  problem: string;
  input: string;
  expected: string;
  accept: string[];
}

export function loadCases(path = MFT_PATH): Case[] {
  const bytes = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(bytes) : bytes)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const raw = JSON.parse(line) as Case;
      return { problem: raw.problem, input: raw.input, expected: raw.expected, accept: raw.accept };
    });
}

export function expectationOf(c: Case): Expectation {
  return c.accept.length === 1 ? { label: c.accept[0] as string } : { one_of: c.accept };
}

/** `n` cases: the file in order, then again with a numbered suffix so every pattern is distinct. */
export function casesOf(all: readonly Case[], n: number): Case[] {
  const out: Case[] = [];
  for (let i = 0; i < n; i++) {
    const c = all[i % all.length] as Case;
    const round = Math.floor(i / all.length);
    out.push(round === 0 ? c : { ...c, input: `${c.input} (${round})` });
  }
  return out;
}

/**
 * Writes problems, patterns and first revisions straight into the tables with multi-row inserts: seeding
 * is set-up, not what is measured, and the service path would spend minutes validating 10,000 drafts.
 */
export async function seedPatterns(
  databaseUrl: string,
  cases: readonly Case[],
): Promise<{ problems: number; patterns: number }> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const titles = [...new Set(cases.map((c) => c.problem))];
    const problems = await sql<{ id: number; title: string }[]>`
      insert into problems ${sql(titles.map((title) => ({ title, threshold: 0.8 })))} returning id, title`;
    const problemId = new Map(problems.map((p) => [p.title, p.id]));
    const CHUNK = 2_000;
    for (let i = 0; i < cases.length; i += CHUNK) {
      const slice = cases.slice(i, i + CHUNK);
      const rows = slice.map((c, k) => ({
        problem_id: problemId.get(c.problem) as number,
        // The data set repeats a few cases word for word; each case still becomes its own pattern.
        fingerprint: `${patternFingerprint(c.input, expectationOf(c))}-${i + k}`,
        source: 'import',
      }));
      const ids = await sql<{ id: number }[]>`insert into patterns ${sql(rows)} returning id`;
      await sql`insert into pattern_revisions ${sql(
        slice.map((c, k) => ({
          pattern_id: ids[k]?.id as number,
          revision: 1,
          input: sql.json(c.input),
          expectation: sql.json(expectationOf(c) as postgres.JSONValue),
        })),
      )}`;
    }
    return { problems: titles.length, patterns: cases.length };
  } finally {
    await sql.end();
  }
}
