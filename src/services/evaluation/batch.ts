import { CanaryError } from '../../core/errors.ts';
import type { Expectation, Prediction } from '../../core/expectations/handler.ts';
import { checkExpectation, gradingNeed, variantInputs } from '../../core/expectations/index.ts';
import type { Model } from '../../core/model.ts';
import type { PatternInput } from '../../core/pattern.ts';
import type { Db } from '../../db/client.ts';
import { markEvaluationRunning } from '../../db/queries/evaluations.ts';
import { getModelById } from '../../db/queries/models.ts';
import { type NewResult, type RevisionToRun, revisionsByIds } from '../../db/queries/results.ts';
import type { AdapterCache } from '../../endpoints/adapter-cache.ts';
import type { EndpointAdapter, EndpointAnswer } from '../../endpoints/types.ts';
import type { GradedItem, Grading } from '../../grading/grading.ts';
import { type CostMetrics, countCandidateCosts } from '../../grading/metrics.ts';
import { candidateCost, generativeFields, statusOf } from '../../grading/result-extras.ts';
import type { Logger } from '../../logger.ts';
import type { CanaryMetrics } from '../../observability/metrics.ts';
import type { EvaluationQueue } from '../ports.ts';
import type { EvaluationEvents, EvaluationProgressEvent } from './events.ts';
import { recordBatchResults } from './results.ts';

export interface BatchProcessorDeps {
  db: Db;
  queue: Pick<EvaluationQueue, 'notify'>;
  adapters: AdapterCache;
  events?: EvaluationEvents | undefined;
  log: Logger;
  now: () => Date;
  metrics?: Pick<CanaryMetrics, 'evaluations' | 'endpointLatencyFor'> | undefined;
  /** Graders and embedders for judge / similar checks (cached calls); without it those checks error. */
  grading?: Grading | undefined;
  costMetrics?: CostMetrics | undefined;
}

export interface BatchOutcome {
  recorded: number;
  done: number;
  total: number;
}

/** One chunk of an evaluation, as the evaluation.batch job carries it (src/queue/jobs.ts). */
export interface BatchRequest {
  evaluationId: number;
  jobKey?: string | undefined;
  modelId: number;
  batch: number;
  revisionIds: number[];
  runs: number;
}

/** The evaluation's counts once a batch is recorded: the job's progress, and the progress event. */
export type BatchProgress = EvaluationProgressEvent;

/**
 * Runs one chunk of an evaluation: every revision × run in a single predict call (invariant variants
 * ride along), every answer checked, every result written and counted in one transaction. Retrying the
 * job redoes the chunk and overwrites its own rows without counting them again.
 */
export function createBatchRunner(deps: BatchProcessorDeps) {
  // Evaluations this process has already seen running: their later batches skip the status update.
  const running = new Set<number>();
  const markRunning = async (evaluationId: number) => {
    if (running.has(evaluationId)) return;
    await markEvaluationRunning(deps.db, evaluationId, deps.now());
    if (running.size >= 1_000) running.clear();
    running.add(evaluationId);
  };
  /** `attempt` counts from 1; a retried job passes its next attempt number. */
  return async function runBatch(
    payload: BatchRequest,
    attempt: number,
  ): Promise<{ outcome: BatchOutcome; progress: BatchProgress | null }> {
    const [, model, revisions] = await Promise.all([
      markRunning(payload.evaluationId),
      getModelById(deps.db, payload.modelId),
      revisionsByIds(deps.db, payload.revisionIds),
    ]);
    if (!model) throw new CanaryError('model_not_found', `model ${payload.modelId} no longer exists`);

    const observeLatency = deps.metrics?.endpointLatencyFor(model.name);
    const rows = await answerChunk(
      deps.adapters,
      model,
      payload,
      revisions,
      attempt,
      observeLatency,
      deps.grading,
    );
    let counts: Awaited<ReturnType<typeof recordBatchResults>>;
    try {
      counts = await recordBatchResults(deps.db, payload, rows);
    } catch (err) {
      // Drizzle's message is the whole statement with its parameters; the cause is what a person needs.
      throw new Error(`could not record results: ${rootMessage(err)}`, { cause: err });
    }
    if (deps.metrics) countOutcomes(deps.metrics.evaluations, rows);
    if (deps.costMetrics) countCandidateCosts(deps.costMetrics, model, rows);
    let progress: BatchProgress | null = null;
    if (counts) {
      progress = {
        evaluationId: counts.id,
        total: counts.total,
        done: counts.doneCount,
        passed: counts.passed,
        failed: counts.failed,
        errored: counts.errored,
      };
      await deps.queue.notify('notify.evaluation-progress', {
        evaluationId: payload.evaluationId,
        jobKey: payload.jobKey,
      });
      deps.events?.emit('evaluation.progress', progress);
    }
    deps.log.debug(
      { evaluationId: payload.evaluationId, batch: payload.batch, recorded: rows.length },
      'evaluation batch recorded',
    );
    return {
      outcome: { recorded: rows.length, done: counts?.doneCount ?? 0, total: counts?.total ?? 0 },
      progress,
    };
  };
}

type BatchPayload = BatchRequest;

async function answerChunk(
  adapters: AdapterCache,
  model: Model,
  payload: BatchPayload,
  revisions: readonly RevisionToRun[],
  attempt: number,
  observeLatency?: (seconds: number) => void,
  grading?: Grading,
): Promise<NewResult[]> {
  let adapter: EndpointAdapter;
  try {
    adapter = adapters.get(model);
  } catch (err) {
    // A stored endpoint the adapter refuses (bad config, disallowed host) will not get better on retry.
    const reason = `endpoint refused: ${err instanceof Error ? err.message : String(err)}`;
    return revisions.flatMap((r) =>
      runsOf(payload).map((run) => erroredRow(payload, r, run, reason, attempt)),
    );
  }
  return evaluateChunk(adapter, payload, revisions, observeLatency, model, grading);
}

function runsOf(payload: BatchPayload): number[] {
  return Array.from({ length: payload.runs }, (_, i) => i + 1);
}

interface Planned {
  revision: RevisionToRun;
  run: number;
  /** Index of the main input in the predict call; variants follow it. */
  at: number;
  variants: number;
}

async function evaluateChunk(
  adapter: EndpointAdapter,
  payload: BatchPayload,
  revisions: readonly RevisionToRun[],
  observeLatency?: (seconds: number) => void,
  model?: Model,
  grading?: Grading,
): Promise<NewResult[]> {
  const inputs: PatternInput[] = [];
  const planned: Planned[] = [];
  let graded = false;
  for (const revision of revisions) {
    const variants = safeVariantInputs(revision.expectation);
    if (!graded && grading && gradingNeed(revision.expectation)) graded = true;
    for (let run = 1; run <= payload.runs; run++) {
      planned.push({ revision, run, at: inputs.length, variants: variants.length });
      inputs.push(revision.input);
      for (const v of variants) inputs.push(v);
    }
  }
  const answers = inputs.length === 0 ? [] : await adapter.predict(inputs);
  if (observeLatency) observeRequests(adapter, answers, observeLatency);
  // Only a chunk with judge or similar checks asks the graders; the rest skip building their work list.
  const grades =
    graded && grading
      ? await grading.gradeAll(
          planned.map((p) => {
            const main = answers[p.at];
            return {
              expectation: p.revision.expectation,
              input: p.revision.input,
              prediction: main?.ok ? main.prediction : undefined,
            };
          }),
        )
      : [];
  const rows: NewResult[] = new Array(planned.length);
  for (let i = 0; i < planned.length; i++) {
    const p = planned[i] as Planned;
    const slice = p.variants === 0 ? [answers[p.at]] : answers.slice(p.at, p.at + 1 + p.variants);
    const cost = model ? candidateCost(model, slice, p.at, adapter.maxBatchSize) : undefined;
    rows[i] = judge(payload, p, slice, grades[i], cost);
  }
  return rows;
}

/**
 * One observation per HTTP request, not per input: the adapter sends consecutive slices of `maxBatchSize`
 * inputs and gives every answer of a slice that request's latency. An answer with no attempts never reached
 * the endpoint (a missing secret) and has no latency to report.
 */
function observeRequests(
  adapter: EndpointAdapter,
  answers: readonly EndpointAnswer[],
  observe: (seconds: number) => void,
): void {
  const step = Math.max(1, adapter.maxBatchSize);
  for (let i = 0; i < answers.length; i += step) {
    const first = answers[i];
    if (first && first.attempts > 0) observe(first.latencyMs / 1000);
  }
}

function countOutcomes(counter: CanaryMetrics['evaluations'], rows: readonly NewResult[]): void {
  const byStatus = new Map<string, number>();
  for (const row of rows) byStatus.set(row.status, (byStatus.get(row.status) ?? 0) + 1);
  for (const [status, n] of byStatus) counter.inc({ status }, n);
}

/** An unreadable stored expectation has no variants; checkExpectation then fails it with a reason. */
function safeVariantInputs(expectation: Expectation): PatternInput[] {
  try {
    return variantInputs(expectation);
  } catch {
    return [];
  }
}

/**
 * The result row of one revision × run, built in one go: this runs for every result, so the prediction
 * summary is the one copy of the answer that drops `raw`, and cost and grading are set on it in place.
 */
function judge(
  payload: BatchPayload,
  p: Planned,
  answers: readonly (EndpointAnswer | undefined)[],
  graded: GradedItem | undefined,
  cost: ReturnType<typeof candidateCost> | undefined,
): NewResult {
  const main = answers[0];
  let attempts = 1;
  for (const a of answers) if (a && a.attempts > attempts) attempts = a.attempts;
  const row: NewResult = {
    modelId: payload.modelId,
    patternRevisionId: p.revision.id,
    patternId: p.revision.patternId,
    problemId: p.revision.problemId,
    run: p.run,
    evaluationId: payload.evaluationId,
    status: 'errored',
    reason: '',
    latencyMs: main ? Math.round(main.latencyMs) : null,
    attempts,
  };
  if (!main) {
    row.reason = 'the endpoint returned no answer for this input';
    return row;
  }
  if (!main.ok) {
    row.reason = main.error;
    return row;
  }
  const variants: Prediction[] = [];
  for (let i = 1; i < answers.length; i++) {
    const answer = answers[i];
    if (!answer) {
      row.reason = `no answer for variant ${i}`;
      return row;
    }
    if (!answer.ok) {
      row.reason = `variant ${i}: ${answer.error}`;
      return row;
    }
    variants.push(answer.prediction);
  }
  const check = checkExpectation(p.revision.expectation, main.prediction, variants, graded?.aid);
  const prediction: Record<string, unknown> = summarize(main.prediction);
  if (variants.length > 0) prediction['variants'] = variants.map(summarize);
  if (cost) Object.assign(prediction, generativeFields(cost, graded));
  row.status = statusOf(check);
  row.reason = check.reason;
  row.output = main.prediction.raw ?? null;
  row.prediction = prediction;
  return row;
}

function summarize(prediction: Prediction): Omit<Prediction, 'raw'> {
  const { raw: _raw, ...rest } = prediction;
  return rest;
}

function erroredRow(
  payload: BatchPayload,
  revision: RevisionToRun,
  run: number,
  reason: string,
  attempts: number,
): NewResult {
  return {
    modelId: payload.modelId,
    patternRevisionId: revision.id,
    patternId: revision.patternId,
    problemId: revision.problemId,
    run,
    evaluationId: payload.evaluationId,
    status: 'errored',
    reason,
    attempts,
  };
}

function rootMessage(err: unknown): string {
  let current: unknown = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
