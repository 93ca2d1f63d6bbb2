import { eq, sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { evaluations } from '../../src/db/schema.ts';
import { createQueues } from '../../src/queue/queues.ts';
import { createEvaluationQueue, createScheduler } from '../../src/queue/transport.ts';
import { startWorkers } from '../../src/queue/workers.ts';
import { createWatchdog } from '../../src/services/evaluation/watchdog.ts';
import { createTestDatabase } from '../support/db.ts';
import {
  createHarness,
  type Harness,
  seedModel,
  seedPattern,
  seedProblem,
  testEnv,
  waitForEvaluation,
} from './harness.ts';

const log = pino({ level: 'silent' });

async function seedSet(h: Pick<Harness, 'db' | 'server'>) {
  const problemId = await seedProblem(h.db);
  for (const text of ['not good', 'not bad', 'great', 'awful'])
    await seedPattern(h.db, problemId, { text }, { label: 'negative' });
  return seedModel(h.db, h.server);
}

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('queue state from an earlier database', () => {
  it('the watchdog replaces an evaluation left queued with no job, saying why', async () => {
    const modelId = await seedSet(h);
    // Queued long ago, and its job is nowhere (a flushed Redis, or a process that died before enqueueing).
    const [stranded] = await h.db
      .insert(evaluations)
      .values({ modelId, trigger: 'manual', total: 4, createdAt: new Date(Date.now() - 3_600_000) })
      .returning();
    const watchdog = createWatchdog({
      db: h.db,
      queue: createEvaluationQueue(h.queues, h.config),
      scheduler: h.scheduler,
      log,
      afterMs: 60_000,
    });
    const { replaced } = await watchdog.sweep();
    const next = replaced.get(stranded!.id);
    expect(typeof next).toBe('number');
    const [failed] = await h.db.select().from(evaluations).where(eq(evaluations.id, stranded!.id));
    expect(failed).toMatchObject({ status: 'failed' });
    expect(failed!.error).toMatch(
      /stranded: queued for over 1 min and its queue job eval-\d+-\w+ is not in Redis/,
    );
    expect(failed!.error).toContain(`as evaluation #${next}`);
    const replacement = await waitForEvaluation(h.db, next as number);
    expect(replacement.status).toBe('done');
    // A live evaluation is left alone, however old.
    expect((await watchdog.sweep()).replaced.size).toBe(0);
  });
  it('a new database on a Redis that still holds the old jobs finishes its evaluation', async () => {
    // The earlier database: evaluation #1 runs and its jobs stay in Redis as completed.
    const modelA = await seedSet(h);
    const first = await h.scheduler.evaluateModel({ modelId: modelA, trigger: 'register' });
    const done = await waitForEvaluation(h.db, first.evaluationId);
    expect(done.status).toBe('done');

    // A reset database (same ids again) on the same Redis and prefix; the old database's workers are gone.
    await h.workers?.close();
    const fresh = await createTestDatabase();
    const config = loadConfig(testEnv(fresh, h.prefix));
    const queues = createQueues(config);
    const workers = await startWorkers({ config, db: fresh.db, log, secrets: {}, queues });
    try {
      const modelB = await seedSet({ db: fresh.db, server: h.server });
      // Its next evaluation gets the id of the old completed one, as after a restore or a reset.
      if (first.evaluationId > 1)
        await fresh.db.execute(sql`select setval('evaluations_id_seq', ${first.evaluationId - 1})`);
      const scheduler = createScheduler({ db: fresh.db, queues, config });
      const again = await scheduler.evaluateModel({ modelId: modelB, trigger: 'register' });
      expect(again.evaluationId).toBe(first.evaluationId);
      const row = await waitForEvaluation(fresh.db, again.evaluationId);
      expect(row).toMatchObject({ status: 'done', total: 4, doneCount: 4 });
      expect(row.jobKey).not.toBe(done.jobKey);
      // Its finished notification is its own job, not the old one collapsed onto.
      const finished = await queues.notify.getJob(`notify-finished-${row.id}-${row.jobKey}`);
      expect(finished?.data).toEqual({ evaluationId: row.id, jobKey: row.jobKey });
    } finally {
      await workers.close();
      await queues.close();
      await fresh.drop();
    }
  });
});
