import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { results } from '../schema.ts';

export interface CostTotals {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** Null when no model involved has a price. */
  usd: number | null;
}

export interface GraderCostTotals extends CostTotals {
  by: string;
  /** Results whose grading was answered from the cache (nothing paid). */
  cachedResults: number;
  results: number;
}

/** Per evaluation: what the candidate cost and, apart from it, what each grader or embedder cost. */
export interface EvaluationCost {
  candidate: CostTotals & { latencyMs: number };
  graders: GraderCostTotals[];
}

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const usd = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 1e9) / 1e9);

/** Read from the cost each result carries (prediction.cost), so a re-run that overwrote rows is counted once. */
export async function evaluationCost(db: Db, evaluationId: number): Promise<EvaluationCost> {
  return costWhere(db, eq(results.evaluationId, evaluationId));
}

/** Everything a model's standing results cost (one row per pattern revision and run: re-runs replace). */
export async function modelCost(db: Db, modelId: number): Promise<EvaluationCost> {
  return costWhere(db, eq(results.modelId, modelId));
}

async function costWhere(db: Db, where: SQL): Promise<EvaluationCost> {
  const cost = sql`(${results.prediction} -> 'cost')`;
  const grader = sql`(${results.prediction} -> 'cost' -> 'grader')`;
  const sums = (of: ReturnType<typeof sql>) => ({
    requests: sql<string>`coalesce(sum((${of} ->> 'requests')::int), 0)`,
    promptTokens: sql<string>`coalesce(sum((${of} ->> 'promptTokens')::bigint), 0)`,
    completionTokens: sql<string>`coalesce(sum((${of} ->> 'completionTokens')::bigint), 0)`,
    usd: sql<string | null>`sum((${of} ->> 'usd')::float8)`,
  });
  const [candidate] = await db
    .select({ ...sums(cost), latencyMs: sql<string>`coalesce(sum((${cost} ->> 'latencyMs')::bigint), 0)` })
    .from(results)
    .where(where);
  const by = sql<string>`${grader} ->> 'by'`;
  const graders = await db
    .select({
      by,
      ...sums(grader),
      cachedResults: sql<string>`count(*) filter (where (${grader} ->> 'cached')::boolean)`,
      results: sql<string>`count(*)`,
    })
    .from(results)
    .where(and(where, sql`${grader} is not null`))
    .groupBy(by)
    .orderBy(by);
  return {
    candidate: {
      requests: num(candidate?.requests),
      promptTokens: num(candidate?.promptTokens),
      completionTokens: num(candidate?.completionTokens),
      usd: usd(candidate?.usd),
      latencyMs: num(candidate?.latencyMs),
    },
    graders: graders.map((g) => ({
      by: g.by,
      requests: num(g.requests),
      promptTokens: num(g.promptTokens),
      completionTokens: num(g.completionTokens),
      usd: usd(g.usd),
      cachedResults: num(g.cachedResults),
      results: num(g.results),
    })),
  };
}

/** One line for people: "7 requests · 310 prompt + 95 completion tokens · $0.000104". */
export function describeCost(c: CostTotals): string {
  const parts = [`${c.requests} request${c.requests === 1 ? '' : 's'}`];
  if (c.promptTokens + c.completionTokens > 0)
    parts.push(`${c.promptTokens} prompt + ${c.completionTokens} completion tokens`);
  if (c.usd !== null) parts.push(`$${c.usd < 0.01 ? c.usd.toPrecision(3) : c.usd.toFixed(2)}`);
  return parts.join(' · ');
}

export function describeEvaluationCost(cost: EvaluationCost): string[] {
  return [
    `candidate: ${describeCost(cost.candidate)}`,
    ...cost.graders.map(
      (g) => `grader ${g.by}: ${describeCost(g)} (${g.cachedResults}/${g.results} answers from the cache)`,
    ),
  ];
}
