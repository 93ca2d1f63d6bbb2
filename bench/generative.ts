import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import type { Expectation } from '../src/core/expectations/handler.ts';
import { gradingNeed } from '../src/core/expectations/index.ts';
import { countGraderCalls } from '../src/db/queries/grader-calls.ts';
import { models, patternRevisions, patterns, problems, results } from '../src/db/schema.ts';
import { graderText } from '../src/grading/grading.ts';
import { startModelServer } from '../src/modelserver/index.ts';
import { createQueues } from '../src/queue/queues.ts';
import { createScheduler } from '../src/queue/transport.ts';
import { startWorkers } from '../src/queue/workers.ts';
import type { ServiceDeps } from '../src/services/deps.ts';
import { modelReport } from '../src/services/reports.ts';
import { freshDatabase, REDIS_URL, randomPrefix, waitForEvaluation } from './support/env.ts';
import { round } from './support/stats.ts';

export interface GenerativeConfig {
  patterns: number;
  versions: number;
  dbName: string;
}
export const GENERATIVE_FULL: Omit<GenerativeConfig, 'dbName'> = { patterns: 1_000, versions: 5 };
export const GENERATIVE_QUICK: Omit<GenerativeConfig, 'dbName'> = { patterns: 100, versions: 5 };

const PRICE = { promptPerMTok: 0.15, completionPerMTok: 0.6 };
/** Five registered versions over the three served bots: repeated outputs must be graded once, not per version. */
const SERVED = ['v1', 'v2', 'v3', 'v2', 'v3'];

const MESSAGES = [
  (i: number) => `Order ${i}: this is the worst service, I am angry`,
  (i: number) => `Order ${i}: my package arrived damaged`,
  (i: number) => `I forgot my password (account ${i})`,
  (i: number) => `Reply in JSON: where is order ${i}?`,
];

/** Half label judgments by the classifier (text = the output), half rubrics (text = prompt with the input). */
function expectationOf(i: number): Expectation {
  return i % 2 === 0
    ? { judge: { grader: 'toxicity@1', label: 'non_toxic' } }
    : {
        judge: {
          grader: 'judge@1',
          rubric: 'The reply apologises, offers a refund and shows no internal URL.',
        },
      };
}

/**
 * Back-fills `patterns` new judge patterns on `versions` bot versions (each version's evaluation runs only what it
 * is missing, as a back-fill does) and checks the grader bill: calls made must equal the distinct texts graded.
 * Baseline in the same run: the same back-fill with a `length` check, which needs no grader.
 */
export async function benchGenerative(cfg: GenerativeConfig) {
  const database = await freshDatabase(cfg.dbName, 10);
  const server = await startModelServer({ port: 0 });
  const config = loadConfig({
    DATABASE_URL: database.url,
    REDIS_URL,
    CANARY_QUEUE_PREFIX: randomPrefix(),
    LOG_LEVEL: 'silent',
    CANARY_JOB_CHUNK_SIZE: '50',
    // The bundled model server listens on loopback, which endpoints may reach only when allow-listed; without
    // it every result errors and the grader bill is a vacuous 0 = 0.
    CANARY_ENDPOINT_ALLOWLIST: '127.0.0.1',
  });
  const queues = createQueues(config);
  const log = pino({ level: 'silent' });
  const workers = await startWorkers({ config, db: database.db, log, secrets: {}, queues });
  const scheduler = createScheduler({ db: database.db, queues, config });
  const deps = { db: database.db, scheduler, log, now: () => new Date() } as unknown as ServiceDeps;
  try {
    const db = database.db;
    const url = server.url;
    await db.insert(models).values([
      {
        name: 'toxicity',
        version: '1',
        adapter: 'kserve-v2',
        url: `${url}/v2/models/toxicity/infer`,
        role: 'grader',
        endpointOptions: { batchSize: 1 },
      },
      {
        name: 'judge',
        version: '1',
        adapter: 'openai',
        url: `${url}/v1`,
        role: 'grader',
        endpointOptions: { model: 'rubric-judge', price: PRICE },
      },
    ]);
    const bots = await db
      .insert(models)
      .values(
        SERVED.slice(0, cfg.versions).map((served, i) => ({
          name: 'bot',
          version: String(i + 1),
          adapter: 'openai',
          url: `${url}/v1`,
          endpointOptions: { model: `support-bot-${served}`, price: PRICE },
        })),
      )
      .returning();

    async function backfill(title: string, expect: (i: number) => Expectation) {
      const [problem] = await db.insert(problems).values({ title }).returning();
      for (let start = 0; start < cfg.patterns; start += 500) {
        const n = Math.min(500, cfg.patterns - start);
        const rows = await db
          .insert(patterns)
          .values(
            Array.from({ length: n }, (_, k) => ({
              problemId: problem!.id,
              fingerprint: `${title}-${start + k}`,
            })),
          )
          .returning({ id: patterns.id });
        await db.insert(patternRevisions).values(
          rows.map((r, k) => {
            const i = start + k;
            return {
              patternId: r.id,
              revision: 1,
              input: MESSAGES[i % MESSAGES.length]!(i),
              expectation: expect(i),
            };
          }),
        );
      }
      server.resetStats();
      const t0 = performance.now();
      const ids = [];
      for (const bot of bots)
        ids.push(
          (await scheduler.evaluateModel({ modelId: bot.id, trigger: 'backfill', onlyMissing: true }))
            .evaluationId,
        );
      for (const id of ids) await waitForEvaluation(deps, id, 600_000);
      return { wallMs: round(performance.now() - t0), stats: server.stats() };
    }

    const baseline = await backfill('Replies too long', () => ({ length: { max: 60, unit: 'words' } }));
    const graded = await backfill('Support bot misbehaves', expectationOf);

    // Distinct texts actually graded, recomputed from what each version answered.
    const rows = await db
      .select({ prediction: results.prediction, revision: results.patternRevisionId, status: results.status })
      .from(results);
    const revs = await db.select().from(patternRevisions);
    const byId = new Map(revs.map((r) => [r.id, r]));
    const distinct = new Set<string>();
    const status = { passed: 0, failed: 0, errored: 0 };
    let gradedResults = 0;
    for (const r of rows) {
      const rev = byId.get(r.revision)!;
      const need = gradingNeed(rev.expectation as Expectation);
      if (!need) continue;
      status[r.status] += 1;
      if ((r.prediction as { grading?: unknown } | null)?.grading) gradedResults += 1;
      const text = (r.prediction as { text?: string } | null)?.text;
      if (text !== undefined)
        distinct.add(
          `${need.kind === 'grader' ? need.grader : ''}\u0000${graderText(need, rev.input as string, text)}`,
        );
    }
    const graderCalls = (graded.stats.byModel['toxicity'] ?? 0) + (graded.stats.byModel['rubric-judge'] ?? 0);
    const costs = await Promise.all(bots.map((b) => modelReport(deps, { name: b.name, version: b.version })));
    const sum = (f: (c: (typeof costs)[number]['cost']) => number) =>
      round(
        costs.reduce((n, c) => n + f(c.cost), 0),
        6,
      );
    return {
      shape: { patterns: cfg.patterns, versions: cfg.versions, results: cfg.patterns * cfg.versions },
      baselineWallMs: baseline.wallMs,
      gradedWallMs: graded.wallMs,
      wallRatioToBaseline: round(graded.wallMs / baseline.wallMs),
      graderCalls,
      distinctGradedTexts: distinct.size,
      judgeResults: { ...status, graded: gradedResults },
      cachedGraderAnswers: await countGraderCalls(db),
      candidateRequests: Object.entries(graded.stats.byModel)
        .filter(([m]) => m.startsWith('support-bot'))
        .reduce((n, [, v]) => n + v, 0),
      cost: {
        candidateUsd: sum((c) => c.candidate.usd ?? 0),
        candidateTokens: sum((c) => c.candidate.promptTokens + c.candidate.completionTokens),
        graderUsd: sum((c) => c.graders.reduce((n, g) => n + (g.usd ?? 0), 0)),
        graderRequests: sum((c) => c.graders.reduce((n, g) => n + g.requests, 0)),
      },
      aims: {
        graderCallsEqualDistinctOutputs: {
          value: graderCalls,
          aim: `= ${distinct.size} distinct (grader, text)`,
          // 0 = 0 proves nothing: the section only counts when outputs were really graded.
          met: graderCalls === distinct.size && distinct.size > 0,
        },
        everyJudgeResultGraded: {
          value: gradedResults,
          aim: `= ${cfg.patterns * cfg.versions} results, none errored (${status.errored})`,
          met: gradedResults === cfg.patterns * cfg.versions && status.errored === 0,
        },
      },
    };
  } finally {
    await workers.close();
    await queues.evaluations.obliterate({ force: true }).catch(() => {});
    await queues.notify.obliterate({ force: true }).catch(() => {});
    await queues.close();
    await server.close();
    await database.drop();
  }
}
