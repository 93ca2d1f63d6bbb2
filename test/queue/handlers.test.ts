import { type Job, UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { CanaryError } from '../../src/core/errors.ts';
import { type Handlers, type JobsOn, processorFor } from '../../src/queue/handlers.ts';
import { JOB_NAMES, jobCatalog } from '../../src/queue/jobs.ts';

const job = (name: string, data: unknown) => ({ name, data }) as Job;
const run = async () => 'ran';

describe('the handler map', () => {
  it('does not compile with a job missing or a job the catalog lacks (tsc checks the expect-error lines)', () => {
    // @ts-expect-error evaluation.run has no handler
    const missing: Handlers<JobsOn<'evaluations'>> = { 'evaluation.batch': { run } };
    const extra: Handlers<JobsOn<'evaluations'>> = {
      'evaluation.batch': { run },
      'evaluation.run': { run },
      // @ts-expect-error no such job in the catalog
      'evaluation.unknown': { run },
    };
    expect(Object.keys(missing)).toEqual(['evaluation.batch']);
    expect(Object.keys(extra)).toHaveLength(3);
  });

  it('splits the catalog by queue', () => {
    const evaluations: JobsOn<'evaluations'>[] = ['evaluation.run', 'evaluation.batch'];
    expect(JOB_NAMES.filter((n) => jobCatalog[n].queue === 'evaluations').sort()).toEqual(evaluations.sort());
  });

  it('runs a job with its parsed payload', async () => {
    const seen: unknown[] = [];
    const processor = processorFor('evaluations', {
      'evaluation.run': { run: async (payload) => seen.push(payload) },
    });
    await processor(job('evaluation.run', { evaluationId: 3, jobKey: 'abc' }));
    expect(seen).toEqual([{ evaluationId: 3, jobKey: 'abc' }]);
  });

  it('fails for good a job it has no handler for, a job of another queue, a bad payload or a CanaryError', async () => {
    const processor = processorFor('evaluations', {
      'evaluation.run': {
        run: async () => {
          throw new CanaryError('model_not_found', 'model 4 no longer exists');
        },
      },
      'digest.tick': { run },
    });
    await expect(processor(job('evaluation.nope', {}))).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(processor(job('digest.tick', {}))).rejects.toThrow(
      /unknown job digest.tick on the evaluations/,
    );
    await expect(processor(job('evaluation.run', { evaluationId: -1 }))).rejects.toBeInstanceOf(
      UnrecoverableError,
    );
    await expect(processor(job('evaluation.run', { evaluationId: 4 }))).rejects.toThrow(
      new UnrecoverableError('model 4 no longer exists'),
    );
  });

  it('hands any other error back to BullMQ, to be retried', async () => {
    const processor = processorFor('evaluations', {
      'evaluation.run': {
        run: async () => {
          throw new Error('connection refused');
        },
      },
    });
    const err = await processor(job('evaluation.run', { evaluationId: 1 })).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toBe('connection refused');
  });
});
