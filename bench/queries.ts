import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { drizzle } from 'drizzle-orm/postgres-js';
import pino from 'pino';
import postgres from 'postgres';
import type { Db } from '../src/db/client.ts';
import * as schema from '../src/db/schema.ts';
import type { ServiceDeps } from '../src/services/deps.ts';
import type { EvaluationScheduler } from '../src/services/ports.ts';
import { modelReport, problemHistory } from '../src/services/reports.ts';
import { freshDatabase } from './support/env.ts';
import { cpuUnitMs, percentile, ratio, round, timeIt } from './support/stats.ts';

export interface QueriesConfig {
  models: number;
  problems: number;
  patternsPerProblem: number;
  repetitions: number;
  dbName: string;
}

export const QUERIES_FULL: Omit<QueriesConfig, 'dbName'> = {
  models: 100,
  problems: 500,
  patternsPerProblem: 15,
  repetitions: 30,
};
export const QUERIES_QUICK: Omit<QueriesConfig, 'dbName'> = {
  models: 100,
  problems: 500,
  patternsPerProblem: 15,
  repetitions: 10,
};

export interface QueryTiming {
  p50Ms: number;
  p95Ms: number;
  n: number;
  /** p50 ÷ a primary-key lookup's p50 measured in the same minute. */
  p50RatioToBaseline: number | null;
  /** EXPLAIN ANALYZE of the slowest statement the call issued. */
  slowestStatement: { ms: number; sql: string; plan: string[] };
}

export interface QueriesResult {
  shape: { models: number; problems: number; patterns: number; results: number };
  cpuUnitMs: number;
  loadMs: number;
  baselinePkLookup: { p50Ms: number; p95Ms: number };
  modelReport: QueryTiming;
  problemHistory: QueryTiming;
  aims: Record<string, { value: number | null; aim: string; met: boolean }>;
}

/** Results of model m on revision r: mostly passing, deterministic, so runs compare. */
function statusOf(m: number, r: number): 'passed' | 'failed' | 'errored' {
  const h = (m * 7_919 + r * 104_729) % 100;
  return h < 5 ? 'errored' : h < 22 ? 'failed' : 'passed';
}

const noScheduler: EvaluationScheduler = {
  evaluateModel: async () => {
    throw new Error('the query benchmark schedules nothing');
  },
  backfillRevision: async () => ({ evaluationIds: [] }),
  backfillAdd: async () => ({ evaluationIds: [] }),
};

export async function benchQueries(cfg: QueriesConfig): Promise<QueriesResult> {
  const unit = cpuUnitMs();
  const database = await freshDatabase(cfg.dbName);
  const sql = postgres(database.url, { max: 4, onnotice: () => {} });
  try {
    const load = await timeIt(() => bulkLoad(sql, cfg));
    const deps: ServiceDeps = {
      db: database.db,
      log: pino({ level: 'silent' }),
      scheduler: noScheduler,
      now: () => new Date(),
      limits: { maxInputBytes: 32_768, endpointAllowlist: ['127.0.0.1'] },
    };
    const totalResults = cfg.models * cfg.problems * cfg.patternsPerProblem;
    const pk: number[] = [];
    for (let i = 0; i < cfg.repetitions * 3; i++) {
      const id = 1 + ((i * 7_919) % totalResults);
      pk.push((await timeIt(() => sql`select id, status from results where id = ${id}`)).ms);
    }
    const baselineP50 = percentile(pk, 0.5);
    const keys = (i: number) => ({
      model: `qmodel@v${1 + ((i * 37) % cfg.models)}`,
      problem: `P-${1 + ((i * 131) % cfg.problems)}`,
    });
    // One untimed call each: plans and the pool are warm before timing, as in a running service.
    await modelReport(deps, keys(0).model);
    await problemHistory(deps, keys(0).problem);
    const report: number[] = [];
    const history: number[] = [];
    for (let i = 0; i < cfg.repetitions; i++) {
      report.push((await timeIt(() => modelReport(deps, keys(i).model))).ms);
      history.push((await timeIt(() => problemHistory(deps, keys(i).problem))).ms);
    }
    const timing = async (
      samples: number[],
      call: (d: ServiceDeps) => Promise<unknown>,
    ): Promise<QueryTiming> => ({
      p50Ms: percentile(samples, 0.5),
      p95Ms: percentile(samples, 0.95),
      n: samples.length,
      p50RatioToBaseline: ratio(percentile(samples, 0.5), baselineP50),
      slowestStatement: await explainSlowest(database.url, sql, deps, call),
    });
    const modelReportTiming = await timing(report, (d) => modelReport(d, keys(1).model));
    const problemHistoryTiming = await timing(history, (d) => problemHistory(d, keys(1).problem));
    return {
      shape: {
        models: cfg.models,
        problems: cfg.problems,
        patterns: cfg.problems * cfg.patternsPerProblem,
        results: totalResults,
      },
      cpuUnitMs: unit,
      loadMs: round(load.ms),
      baselinePkLookup: { p50Ms: baselineP50, p95Ms: percentile(pk, 0.95) },
      modelReport: modelReportTiming,
      problemHistory: problemHistoryTiming,
      aims: {
        modelReportP95: {
          value: modelReportTiming.p95Ms,
          aim: '< 200 ms',
          met: modelReportTiming.p95Ms < 200,
        },
        problemHistoryP95: {
          value: problemHistoryTiming.p95Ms,
          aim: '< 200 ms',
          met: problemHistoryTiming.p95Ms < 200,
        },
      },
    };
  } finally {
    await sql.end();
    await database.drop();
  }
}

async function bulkLoad(sql: postgres.Sql, cfg: QueriesConfig): Promise<void> {
  const models = Array.from({ length: cfg.models }, (_, i) => ({
    name: 'qmodel',
    version: `v${i + 1}`,
    adapter: 'kserve-v2',
    url: 'http://127.0.0.1:9/v2/models/afinn/infer',
    status: i === cfg.models - 1 ? 'production' : 'candidate',
  }));
  const modelIds = (await sql<{ id: number }[]>`insert into models ${sql(models)} returning id`).map(
    (r) => r.id,
  );
  const problems = Array.from({ length: cfg.problems }, (_, i) => ({
    title: `Problem ${i + 1}`,
    threshold: 0.8,
  }));
  const problemIds = (await sql<{ id: number }[]>`insert into problems ${sql(problems)} returning id`).map(
    (r) => r.id,
  );
  const revisions: { id: number; patternId: number; problemId: number }[] = [];
  for (let p = 0; p < problemIds.length; p += 100) {
    const slice = problemIds.slice(p, p + 100);
    const rows = slice.flatMap((problemId) =>
      Array.from({ length: cfg.patternsPerProblem }, (_, k) => ({
        problem_id: problemId,
        fingerprint: `fp-${problemId}-${k}`,
        source: 'import',
      })),
    );
    const ids = await sql<
      { id: number; problem_id: number }[]
    >`insert into patterns ${sql(rows)} returning id, problem_id`;
    const revs = await sql<{ id: number; pattern_id: number }[]>`insert into pattern_revisions ${sql(
      ids.map((r) => ({
        pattern_id: r.id,
        revision: 1,
        input: sql.json(`text of pattern ${r.id}`),
        expectation: sql.json({ label: 'positive' }),
      })),
    )} returning id, pattern_id`;
    const problemOf = new Map(ids.map((r) => [r.id, r.problem_id]));
    for (const r of revs)
      revisions.push({ id: r.id, patternId: r.pattern_id, problemId: problemOf.get(r.pattern_id) as number });
  }
  // COPY streams the 750,000 rows in one statement: far faster than inserts, and what a bulk loader uses.
  const lines = function* () {
    const prediction = '{"label": "positive", "score": 0.5}';
    for (const [m, modelId] of modelIds.entries()) {
      let chunk = '';
      for (const r of revisions) {
        const status = statusOf(m, r.id);
        chunk += `${modelId}\t${r.id}\t${r.patternId}\t${r.problemId}\t1\t${status}\t${prediction}\t${status === 'errored' ? 'HTTP 500' : ''}\t12\n`;
      }
      yield chunk;
    }
  };
  const writable =
    await sql`copy results (model_id, pattern_revision_id, pattern_id, problem_id, run, status, prediction, reason, latency_ms) from stdin`.writable();
  await pipeline(Readable.from(lines()), writable);
  await sql`analyze`;
}

/** Runs the call once with statement logging, then EXPLAIN ANALYZEs the slowest statement it issued. */
async function explainSlowest(
  url: string,
  sql: postgres.Sql,
  deps: ServiceDeps,
  call: (d: ServiceDeps) => Promise<unknown>,
): Promise<QueryTiming['slowestStatement']> {
  const statements: { query: string; params: unknown[] }[] = [];
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const db = drizzle(client, {
      schema,
      logger: { logQuery: (query, params) => statements.push({ query, params }) },
    }) as unknown as Db;
    await call({ ...deps, db });
  } finally {
    await client.end();
  }
  let slowest: QueryTiming['slowestStatement'] = { ms: 0, sql: '', plan: [] };
  for (const s of statements) {
    const { ms, value } = await timeIt(() =>
      sql.unsafe(`explain (analyze, buffers) ${s.query}`, s.params as postgres.ParameterOrJSON<never>[]),
    );
    if (ms >= slowest.ms) {
      // Long IN lists make the text unreadable; the head of each line is what a reader needs.
      slowest = {
        ms: round(ms),
        sql: s.query.slice(0, 600),
        plan: (value as unknown as { 'QUERY PLAN': string }[]).map((r) => r['QUERY PLAN'].slice(0, 240)),
      };
    }
  }
  return slowest;
}
