import type { Job } from 'bullmq';
import { eq, sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertEvaluation } from '../../src/db/queries/evaluations.ts';
import { evaluations } from '../../src/db/schema.ts';
import { createRedis } from '../../src/queue/connection.ts';
import type { Handlers, SlackJobName } from '../../src/queue/handlers.ts';
import { QUEUE_NAMES } from '../../src/queue/jobs.ts';
import { MIN_LOCK_MS, startWorkers } from '../../src/queue/workers.ts';
import type {
  EvaluationFinishedEvent,
  EvaluationProgressEvent,
} from '../../src/services/evaluation/events.ts';
import {
  createHarness,
  type Harness,
  REDIS_URL,
  resultsOf,
  seedModel,
  seedPattern,
  seedProblem,
  waitFor,
  waitForEvaluation,
} from './harness.ts';

/** A notify handler map that only records what it was handed. */
function recordingHandlers(seen: { name: string; data: unknown }[]): Handlers<SlackJobName> {
  const record = { run: async (data: unknown, job: Job) => void seen.push({ name: job.name, data }) };
  return {
    'notify.evaluation-started': record,
    'notify.evaluation-progress': record,
    'notify.evaluation-finished': record,
    'notify.pattern-backfilled': record,
    'notify.patterns-added': record,
    'notify.add-backfilled': record,
    'digest.tick': record,
  };
}

function isFor(data: unknown, evaluationId: number): boolean {
  return (data as { evaluationId?: number }).evaluationId === evaluationId;
}

let h: Harness;
const admin = createRedis(REDIS_URL, 'producer');

beforeAll(async () => {
  h = await createHarness();
  const problemId = await seedProblem(h.db, 'Workers');
  for (const text of ['good', 'bad', 'meh', 'lovely', 'dreadful']) {
    await seedPattern(h.db, problemId, text, { label: 'positive' });
  }
});

afterAll(async () => {
  await h?.close();
  await admin.quit();
});

/** Ids of this file's worker connections only: their names carry the file's random queue prefix. */
async function workerClientIds(): Promise<string[]> {
  const list = (await admin.call('CLIENT', 'LIST')) as string;
  return list
    .split('\n')
    .filter((line) => {
      const name = /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '';
      return name.startsWith(h.prefix);
    })
    .map((line) => /(?:^| )id=(\d+)/.exec(line)?.[1])
    .filter((id): id is string => id !== undefined);
}

describe('startWorkers', () => {
  it('runs the notify handlers it is given on the notify queue', async () => {
    const seen: { name: string; data: unknown }[] = [];
    const extra = await startWorkers({
      config: h.config,
      db: h.db,
      log: pino({ level: 'silent' }),
      secrets: {},
      queues: h.queues,
      notify: { handlers: recordingHandlers(seen) },
    });
    try {
      const modelId = await seedModel(h.db, h.server);
      const { evaluationId } = await h.scheduler.evaluateModel({ modelId, trigger: 'register' });
      await waitForEvaluation(h.db, evaluationId);
      await waitFor(
        async () => seen.some((j) => j.name === 'notify.evaluation-finished' && isFor(j.data, evaluationId)),
        { what: 'the finished notification to be processed' },
      );
      expect(seen.some((j) => j.name === 'notify.evaluation-started' && isFor(j.data, evaluationId))).toBe(
        true,
      );
      // Ids only (and the row's job key): notifications load what they need themselves.
      expect(
        seen.every((j) => Object.keys(j.data as object).every((k) => k.endsWith('Id') || k === 'jobKey')),
      ).toBe(true);
    } finally {
      await extra.close();
    }
  });

  it('emits in-process progress and finished events', async () => {
    const modelId = await seedModel(h.db, h.server);
    const progress: EvaluationProgressEvent[] = [];
    const finished: EvaluationFinishedEvent[] = [];
    h.workers!.events.on('evaluation.progress', (e) => progress.push(e));
    h.workers!.events.on('evaluation.finished', (e) => finished.push(e));
    const { evaluationId } = await h.scheduler.evaluateModel({ modelId, trigger: 'register' });
    await waitForEvaluation(h.db, evaluationId);
    await waitFor(async () => finished.some((e) => e.evaluationId === evaluationId), {
      what: 'finished event',
    });
    const mine = progress.filter((e) => e.evaluationId === evaluationId);
    expect(mine.length).toBe(Math.ceil(5 / h.config.workers.chunkSize));
    expect(Math.max(...mine.map((e) => e.done))).toBe(5);
    expect(finished.find((e) => e.evaluationId === evaluationId)).toMatchObject({
      status: 'done',
      total: 5,
      done: 5,
    });
  });

  it('survives losing its Redis connections: BullMQ reconnects and keeps taking jobs', async () => {
    const ids = await workerClientIds();
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) await admin.call('CLIENT', 'KILL', 'ID', id);
    const modelId = await seedModel(h.db, h.server);
    const { evaluationId } = await h.scheduler.evaluateModel({ modelId, trigger: 'register' });
    const row = await waitForEvaluation(h.db, evaluationId, 30_000);
    expect(row).toMatchObject({ status: 'done', doneCount: 5 });
    expect(await resultsOf(h.db, modelId)).toHaveLength(5);
    // The connections that run the jobs are new ones.
    const after = await workerClientIds();
    expect(after.some((id) => !ids.includes(id))).toBe(true);
  });

  it('fails an evaluation whose run job gives up for good, and the next request replaces a dead run', async () => {
    const modelId = await seedModel(h.db, h.server);
    const evaluation = await insertEvaluation(h.db, { modelId, trigger: 'manual', total: 0 });
    await h.db.update(evaluations).set({ status: 'running' }).where(eq(evaluations.id, evaluation.id));
    // Postgres itself refuses to finish this evaluation, so its run job fails on its only attempt.
    await h.db.execute(
      sql.raw(`create or replace function refuse_done() returns trigger language plpgsql as $$
        begin if new.id = ${evaluation.id} and new.status = 'done' then raise exception 'disk on fire'; end if;
        return new; end $$;
        create trigger refuse_done before update on evaluations for each row execute function refuse_done();`),
    );
    try {
      await h.queues.evaluations.add(
        'evaluation.run',
        { evaluationId: evaluation.id },
        { jobId: `eval-${evaluation.id}`, attempts: 1 },
      );
      const failed = await waitFor(
        async () => {
          const [row] = await h.db.select().from(evaluations).where(eq(evaluations.id, evaluation.id));
          return row?.status === 'failed' ? row : undefined;
        },
        { what: 'the evaluation to be marked failed' },
      );
      expect(failed.error).toMatch(/^run failed: /);
    } finally {
      await h.db.execute(sql.raw('drop trigger refuse_done on evaluations; drop function refuse_done();'));
    }

    // A "running" evaluation whose run job is gone (older than the orphan window) no longer blocks the model.
    const stuck = await insertEvaluation(h.db, { modelId, trigger: 'manual', total: 5 });
    await h.db
      .update(evaluations)
      .set({ status: 'running', createdAt: new Date(Date.now() - 5 * 60_000) })
      .where(eq(evaluations.id, stuck.id));
    const { evaluationId } = await h.scheduler.evaluateModel({ modelId, trigger: 'manual' });
    expect(evaluationId).not.toBe(stuck.id);
    const [old] = await h.db.select().from(evaluations).where(eq(evaluations.id, stuck.id));
    expect(old).toMatchObject({ status: 'failed' });
    expect(old?.error).toMatch(/abandoned/);
    expect(await waitForEvaluation(h.db, evaluationId)).toMatchObject({ status: 'done' });
  });
});

describe('job locks under a short CANARY_STALLED_INTERVAL_MS', () => {
  it('outlive the stalled interval, so a busy but live worker keeps its batch (issue 13: 781 calls for 464 results)', async () => {
    // Each model call takes a while, so the batch is still running when its lock is read.
    const slow = await createHarness({ latencyMs: 1_500 });
    try {
      const problemId = await seedProblem(slow.db, 'Locks');
      await seedPattern(slow.db, problemId, 'lovely', { label: 'positive' });
      const modelId = await seedModel(slow.db, slow.server);
      const { evaluationId } = await slow.scheduler.evaluateModel({ modelId, trigger: 'register' });
      const batch = await waitFor(
        async () => (await slow.queues.evaluations.getActive()).find((j) => j.name === 'evaluation.batch'),
        { what: 'the batch to be taken' },
      );
      const ttl = await admin.pttl(`${slow.prefix}:${QUEUE_NAMES.evaluations}:${batch.id}:lock`);
      expect(slow.config.workers.stalledIntervalMs).toBe(1_000);
      expect(ttl).toBeGreaterThan(slow.config.workers.stalledIntervalMs);
      expect(ttl).toBeLessThanOrEqual(MIN_LOCK_MS);
      expect(await waitForEvaluation(slow.db, evaluationId)).toMatchObject({ status: 'done' });
      expect(await resultsOf(slow.db, modelId)).toHaveLength(1);
    } finally {
      await slow.close();
    }
  });
});
