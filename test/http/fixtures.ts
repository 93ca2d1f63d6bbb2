import pino from 'pino';
import type { Problem } from '../../src/core/problem.ts';
import type { Db } from '../../src/db/client.ts';
import { insertEvaluation } from '../../src/db/queries/evaluations.ts';
import { insertModel } from '../../src/db/queries/models.ts';
import { insertProblem } from '../../src/db/queries/problems.ts';
import { recordResults } from '../../src/db/queries/results.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import { addPatterns } from '../../src/services/patterns.ts';
import type { EvaluationScheduler } from '../../src/services/ports.ts';

export const silentLog = pino({ level: 'silent' });

/** Records what was asked and creates the evaluation row, without queueing anything. */
export function recordingScheduler(db: Db): EvaluationScheduler & {
  calls: Parameters<EvaluationScheduler['evaluateModel']>[0][];
} {
  const calls: Parameters<EvaluationScheduler['evaluateModel']>[0][] = [];
  return {
    calls,
    async evaluateModel(input) {
      calls.push(input);
      const evaluation = await insertEvaluation(db, {
        modelId: input.modelId,
        trigger: input.trigger,
        total: 0,
      });
      return { evaluationId: evaluation.id };
    },
    async backfillRevision() {
      return { evaluationIds: [] };
    },
    async backfillAdd() {
      return { evaluationIds: [] };
    },
  };
}

export function serviceDeps(db: Db, scheduler: EvaluationScheduler = recordingScheduler(db)): ServiceDeps {
  return {
    db,
    log: silentLog,
    scheduler,
    now: () => new Date(),
    limits: { maxInputBytes: 4096, endpointAllowlist: ['127.0.0.1', 'models.internal'] },
  };
}

/** A problem with `count` text patterns labelled "positive". */
export async function seedProblem(
  deps: ServiceDeps,
  opts: { title: string; threshold: number | null; count: number },
): Promise<{ problem: Problem; revisions: { patternId: number; revisionId: number }[] }> {
  const problem = await insertProblem(deps.db, { title: opts.title, threshold: opts.threshold });
  const drafts = Array.from({ length: opts.count }, (_, i) => ({
    problem: problem.key,
    input: `${opts.title} example ${i}`,
    expectation: { label: 'positive' },
    polarity: 'positive' as const,
    source: 'contrived' as const,
    notes: '',
  }));
  const { created } = await addPatterns(deps, drafts);
  return { problem, revisions: created.map((p) => ({ patternId: p.id, revisionId: p.revisionId })) };
}

export async function seedModel(db: Db, name: string, version: string): Promise<number> {
  const model = await insertModel(db, {
    name,
    version,
    endpoint: { adapter: 'http', url: 'http://127.0.0.1:9/predict', options: {} },
    metrics: {},
    repeats: 1,
    registeredBy: null,
    slackChannel: null,
    slackTs: null,
  });
  if (!model) throw new Error(`model ${name}@${version} already exists`);
  return model.id;
}

/**
 * Results with a controlled pass pattern: `statuses[i]` is the outcome of the i-th revision; a failed one
 * carries the prediction "negative" so reports have something to show.
 */
export async function seedResults(
  db: Db,
  modelId: number,
  problem: Problem,
  revisions: { patternId: number; revisionId: number }[],
  statuses: ('passed' | 'failed' | 'errored')[],
): Promise<void> {
  const evaluation = await insertEvaluation(db, { modelId, trigger: 'manual', total: statuses.length });
  await recordResults(
    db,
    statuses.map((status, i) => {
      const r = revisions[i];
      if (!r) throw new Error(`no revision ${i}`);
      return {
        modelId,
        patternRevisionId: r.revisionId,
        patternId: r.patternId,
        problemId: problem.id,
        run: 1,
        evaluationId: evaluation.id,
        status,
        prediction:
          status === 'errored' ? null : { label: status === 'passed' ? 'positive' : 'negative', raw: {} },
        reason:
          status === 'failed'
            ? 'expected label "positive", got "negative"'
            : status === 'errored'
              ? 'timeout'
              : '',
        attempts: 1,
      };
    }),
  );
}

export function statuses(passed: number, failed: number, errored = 0): ('passed' | 'failed' | 'errored')[] {
  return [
    ...Array<'passed'>(passed).fill('passed'),
    ...Array<'failed'>(failed).fill('failed'),
    ...Array<'errored'>(errored).fill('errored'),
  ];
}
