import { WebClient } from '@slack/web-api';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import type { Db } from '../../src/db/client.ts';
import { insertModel } from '../../src/db/queries/models.ts';
import { evaluations, flags, patternRevisions, patterns, problems, results } from '../../src/db/schema.ts';
import { refreshEvaluationCounts, summarizeEvaluation } from '../../src/services/evaluation/results.ts';
import { createSlackPoster } from '../../src/slack/web-api/post.ts';
import type { SlackApi } from '../support/slack-api/index.ts';

/** Rows inserted directly: the notifications read the database, whoever wrote it. */

export const log = pino({ level: 'silent' });

export function slackFor(api: SlackApi) {
  const client = new WebClient(api.botToken, {
    slackApiUrl: api.url,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
  return createSlackPoster(client, { ratePerSecond: 1000 });
}

export async function seedProblem(
  db: Db,
  input: {
    title: string;
    threshold: number | null;
    home?: { channel: string; ts: string };
    createdAt?: Date;
  },
) {
  const [row] = await db
    .insert(problems)
    .values({
      title: input.title,
      threshold: input.threshold,
      homeChannel: input.home?.channel ?? null,
      homeTs: input.home?.ts ?? null,
      ...(input.createdAt ? { createdAt: input.createdAt, updatedAt: input.createdAt } : {}),
    })
    .returning();
  if (!row) throw new Error('no problem row');
  return row;
}

export async function seedPatterns(db: Db, problemId: number, texts: string[], createdAt?: Date) {
  const out: { patternId: number; revisionId: number }[] = [];
  for (const [i, text] of texts.entries()) {
    const [p] = await db
      .insert(patterns)
      .values({
        problemId,
        fingerprint: `fp-${problemId}-${i}-${text}`,
        polarity: i % 2 === 0 ? 'positive' : 'negative',
        ...(createdAt ? { createdAt, updatedAt: createdAt } : {}),
      })
      .returning({ id: patterns.id });
    const [r] = await db
      .insert(patternRevisions)
      .values({ patternId: p!.id, revision: 1, input: text, expectation: { label: 'positive' } })
      .returning({ id: patternRevisions.id });
    out.push({ patternId: p!.id, revisionId: r!.id });
  }
  return out;
}

export async function seedModel(
  db: Db,
  version: string,
  opts: {
    status?: 'candidate' | 'production';
    slackChannel?: string;
    registeredAt?: Date;
    name?: string;
    metrics?: Record<string, number>;
  } = {},
) {
  const model = await insertModel(db, {
    name: opts.name ?? 'sentiment',
    version,
    endpoint: { adapter: 'http', url: 'http://127.0.0.1:1/predict', options: {} },
    metrics: opts.metrics ?? {},
    repeats: 1,
    registeredBy: 'U1',
    slackChannel: opts.slackChannel ?? null,
    slackTs: null,
  });
  if (!model) throw new Error('duplicate model');
  const { models } = await import('../../src/db/schema.ts');
  await db
    .update(models)
    .set({
      status: opts.status ?? 'candidate',
      ...(opts.registeredAt ? { registeredAt: opts.registeredAt } : {}),
    })
    .where(eq(models.id, model.id));
  return model;
}

export async function seedEvaluation(
  db: Db,
  input: {
    modelId: number;
    trigger?: 'register' | 'backfill';
    patternRevisionId?: number;
    outcomes: { patternId: number; revisionId: number; problemId: number; pass: boolean; label?: string }[];
    finish?: boolean;
  },
) {
  const [e] = await db
    .insert(evaluations)
    .values({
      modelId: input.modelId,
      trigger: input.trigger ?? 'register',
      status: 'running',
      total: input.outcomes.length,
      patternRevisionId: input.patternRevisionId ?? null,
    })
    .returning();
  if (input.outcomes.length > 0) {
    await db.insert(results).values(
      input.outcomes.map((o) => ({
        modelId: input.modelId,
        patternRevisionId: o.revisionId,
        patternId: o.patternId,
        problemId: o.problemId,
        evaluationId: e!.id,
        status: o.pass ? ('passed' as const) : ('failed' as const),
        prediction: { label: o.label ?? (o.pass ? 'positive' : 'negative'), raw: {} },
      })),
    );
  }
  if (input.finish !== false) await finishEvaluation(db, e!.id);
  return e!.id;
}

/**
 * What services/evaluation/finish.ts finalizeEvaluation does; done here because completeEvaluationRow currently binds a
 * raw Date inside sql`coalesce(…)`, which postgres.js refuses (reported to the lead).
 */
export async function finishEvaluation(db: Db, evaluationId: number) {
  const counted = await refreshEvaluationCounts(db, evaluationId);
  const summary = await summarizeEvaluation(db, evaluationId, counted!.modelId);
  const now = new Date();
  await db
    .update(evaluations)
    .set({ status: 'done', summary, startedAt: now, finishedAt: now })
    .where(eq(evaluations.id, evaluationId));
}

export async function seedFlag(
  db: Db,
  input: { channel: string; ts: string; text: string; patternId: number },
) {
  await db.insert(flags).values({ ...input, flaggedBy: 'U1' });
}

export function job(name: string, data: unknown) {
  // The processor reads only name and data (and opts for digest ticks).
  return { name, data, opts: {}, timestamp: Date.now(), delay: 0 } as never;
}
