import type { EvaluationTrigger, OutcomeStatus } from '../../src/core/outcome.ts';
import type { Db } from '../../src/db/client.ts';
import { models, results } from '../../src/db/schema.ts';
import { createLogger } from '../../src/logger.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import type { EvaluationScheduler } from '../../src/services/ports.ts';

/** The one allowed fake: the queue belongs to another module, so services only need its calls recorded. */
export class RecordingScheduler implements EvaluationScheduler {
  readonly evaluations: { modelId: number; trigger: EvaluationTrigger; problemId?: number }[] = [];
  readonly backfills: number[] = [];
  failBackfill = false;
  private nextId = 1;

  async evaluateModel(input: { modelId: number; trigger: EvaluationTrigger; problemId?: number }) {
    this.evaluations.push({
      modelId: input.modelId,
      trigger: input.trigger,
      ...(input.problemId ? { problemId: input.problemId } : {}),
    });
    return { evaluationId: this.nextId++ };
  }

  async backfillRevision(input: { patternRevisionId: number }) {
    if (this.failBackfill) throw new Error('queue unavailable');
    this.backfills.push(input.patternRevisionId);
    return { evaluationIds: [this.nextId++] };
  }

  /** Bulk adds back-filled together: one call per add. */
  readonly adds: number[] = [];

  async backfillAdd(input: { addId: number }) {
    if (this.failBackfill) throw new Error('queue unavailable');
    this.adds.push(input.addId);
    return { evaluationIds: [this.nextId++] };
  }
}

export function makeDeps(
  db: Db,
  overrides: Partial<Omit<ServiceDeps, 'limits'>> & { limits?: Partial<ServiceDeps['limits']> } = {},
): ServiceDeps & { scheduler: RecordingScheduler } {
  const { limits, ...rest } = overrides;
  return {
    db,
    log: createLogger('silent'),
    now: () => new Date(),
    ...rest,
    scheduler: (rest.scheduler as RecordingScheduler | undefined) ?? new RecordingScheduler(),
    limits: { maxInputBytes: 4096, endpointAllowlist: [], ...limits },
  };
}

export const endpoint = (url = 'http://models.internal:8080/v2/models/m') => ({ adapter: 'kserve-v2', url });

/** Inserts a model row directly, with an explicit registration time so ordering is deterministic. */
export async function insertModelRow(
  db: Db,
  values: {
    name: string;
    version: string;
    registeredAt: Date;
    repeats?: number;
    status?: 'candidate' | 'production' | 'retired';
  },
): Promise<number> {
  const [row] = await db
    .insert(models)
    .values({
      name: values.name,
      version: values.version,
      adapter: 'http',
      url: 'http://models.internal/predict',
      registeredAt: values.registeredAt,
      repeats: values.repeats ?? 1,
      status: values.status ?? 'candidate',
    })
    .returning({ id: models.id });
  return (row as { id: number }).id;
}

export interface ResultSpec {
  modelId: number;
  pattern: { id: number; problemId: number; revisionId: number };
  status: OutcomeStatus;
  run?: number;
  label?: string;
  reason?: string;
  /** Recorded as `prediction.grading.by`, as the batch processor does for judge and similar checks. */
  gradedBy?: string;
}

/** Writes result rows the way the evaluation engine would, in one statement. */
export async function insertResults(db: Db, specs: readonly ResultSpec[]): Promise<void> {
  if (specs.length === 0) return;
  await db.insert(results).values(
    specs.map((s) => ({
      modelId: s.modelId,
      patternRevisionId: s.pattern.revisionId,
      patternId: s.pattern.id,
      problemId: s.pattern.problemId,
      run: s.run ?? 1,
      status: s.status,
      prediction:
        s.status === 'errored'
          ? null
          : {
              label: s.label ?? 'x',
              raw: { big: true },
              ...(s.gradedBy ? { grading: { by: s.gradedBy, answer: null, cached: false } } : {}),
            },
      reason: s.reason ?? (s.status === 'passed' ? '' : `it was ${s.status}`),
    })),
  );
}
