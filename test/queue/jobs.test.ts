import { Queue, UnrecoverableError } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/queue/connection.ts';
import {
  addJob,
  JOB_NAMES,
  type JobName,
  jobCatalog,
  jobIdFor,
  parsePayload,
  progressDeduplication,
  QUEUE_NAMES,
  validatePayload,
} from '../../src/queue/jobs.ts';
import { REDIS_URL, randomPrefix } from './harness.ts';

const SAMPLES: { [N in JobName]: unknown } = {
  'evaluation.run': { evaluationId: 12 },
  'evaluation.batch': { evaluationId: 12, modelId: 3, batch: 4, revisionIds: [7, 8], runs: 2 },
  'notify.evaluation-started': { evaluationId: 12 },
  'notify.evaluation-progress': { evaluationId: 12 },
  'notify.evaluation-finished': { evaluationId: 12 },
  'notify.pattern-backfilled': { patternRevisionId: 9 },
  'notify.patterns-added': { addId: 4, jobKey: 'k1' },
  'notify.add-backfilled': { addId: 4, jobKey: 'k1', evaluationId: 12 },
  'digest.tick': { tick: '2026-11-26T09:00:00Z' },
  'observations.prune': {},
};

describe('job catalog', () => {
  it.each(JOB_NAMES)('%s: a valid payload round-trips through its schema', (name) => {
    expect(validatePayload(name, SAMPLES[name])).toEqual(SAMPLES[name]);
    expect(parsePayload(name, SAMPLES[name])).toEqual(SAMPLES[name]);
  });

  it.each(JOB_NAMES)('%s: jobIds are ones BullMQ accepts (no ":", not an integer)', (name) => {
    const id = jobIdFor(name, SAMPLES[name] as never);
    if (id === undefined) return expect(name).toBe('notify.evaluation-progress');
    expect(id).not.toContain(':');
    expect(`${Number.parseInt(id, 10)}`).not.toBe(id);
  });

  it('ids are deterministic and name what they are about', () => {
    expect(jobIdFor('evaluation.run', { evaluationId: 12 })).toBe('eval-12');
    expect(
      jobIdFor('evaluation.batch', { evaluationId: 12, modelId: 3, batch: 4, revisionIds: [7], runs: 1 }),
    ).toBe('eval-12-batch-4');
    expect(jobIdFor('notify.evaluation-finished', { evaluationId: 12 })).toBe('notify-finished-12');
    expect(jobIdFor('digest.tick', { tick: '2026-11-26T09:00Z' })).toBe('digest-2026-11-26T09-00Z');
    expect(jobIdFor('digest.tick', {})).toBeUndefined();
  });

  it.each([
    ['evaluation.run', { evaluationId: '12' }],
    ['evaluation.run', { evaluationId: 12, model: { name: 'x' } }],
    ['evaluation.batch', { evaluationId: 12, modelId: 3, batch: 0, revisionIds: [], runs: 1 }],
    ['evaluation.batch', { evaluationId: 12, modelId: 3, batch: 0, revisionIds: [1], runs: 0 }],
    ['notify.pattern-backfilled', { evaluationId: 1 }],
  ] as const)('%s rejects %j', (name, payload) => {
    expect(() => validatePayload(name, payload)).toThrow(TypeError);
    // Processors fail such a job for good: retrying cannot fix its payload.
    expect(() => parsePayload(name, payload)).toThrow(UnrecoverableError);
  });

  it('batches that give up never fail their parent', () => {
    expect(jobCatalog['evaluation.batch'].options).toMatchObject({ ignoreDependencyOnFailure: true });
  });
});

describe('addJob', () => {
  const prefix = randomPrefix();
  const connection = createRedis(REDIS_URL, 'producer');
  let queues: { evaluations: Queue; notify: Queue };

  beforeAll(() => {
    queues = {
      evaluations: new Queue(QUEUE_NAMES.evaluations, { connection, prefix }),
      notify: new Queue(QUEUE_NAMES.notify, { connection, prefix }),
    };
  });

  afterAll(async () => {
    await Promise.all([
      queues.evaluations.obliterate({ force: true }),
      queues.notify.obliterate({ force: true }),
    ]);
    await Promise.all([queues.evaluations.close(), queues.notify.close()]);
    await connection.quit();
  });

  it('puts a job on its own queue with its deterministic id, once', async () => {
    const a = await addJob(queues, 'notify.evaluation-finished', { evaluationId: 5 });
    const b = await addJob(queues, 'notify.evaluation-finished', { evaluationId: 5 });
    expect(a.jobId).toBe('notify-finished-5');
    expect(b.jobId).toBe('notify-finished-5');
    expect(await queues.notify.getJobCounts('waiting')).toMatchObject({ waiting: 1 });
    expect(await queues.evaluations.getJobCounts('waiting')).toMatchObject({ waiting: 0 });
    const job = await queues.notify.getJob('notify-finished-5');
    expect(job?.opts.attempts).toBe(jobCatalog['notify.evaluation-finished'].options.attempts);
  });

  it('refuses an invalid payload before it reaches Redis', async () => {
    await expect(addJob(queues, 'evaluation.run', { evaluationId: -1 })).rejects.toThrow(/Invalid payload/);
  });

  it('collapses progress notifications of one evaluation within the dedup window', async () => {
    for (let i = 0; i < 5; i++) {
      await addJob(
        queues,
        'notify.evaluation-progress',
        { evaluationId: 77 },
        { deduplication: progressDeduplication(77) },
      );
    }
    await addJob(
      queues,
      'notify.evaluation-progress',
      { evaluationId: 78 },
      { deduplication: progressDeduplication(78) },
    );
    const jobs = await queues.notify.getJobs(['waiting']);
    const progress = jobs.filter((j) => j.name === 'notify.evaluation-progress');
    expect(progress.map((j) => j.data.evaluationId).sort()).toEqual([77, 78]);
  });
});
