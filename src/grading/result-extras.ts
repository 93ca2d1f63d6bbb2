import type { CheckResult, TokenUsage } from '../core/expectations/handler.ts';
import type { Model } from '../core/model.ts';
import type { EndpointAnswer } from '../endpoints/types.ts';
import { addUsage, type CallCost, costOf } from './cost.ts';
import type { GradedItem } from './grading.ts';

/**
 * What one result cost the candidate: its share of requests (a batch is one request, counted on its first
 * answer), latency, and tokens where the protocol reports them. Variants ride along in the same sum.
 */
export function candidateCost(
  model: Pick<Model, 'endpoint'>,
  answers: readonly (EndpointAnswer | undefined)[],
  firstIndex: number,
  batchSize: number,
): CallCost & { latencyMs: number } {
  let requests = 0;
  let usage: TokenUsage | undefined;
  let latencyMs = 0;
  for (const [i, a] of answers.entries()) {
    if (!a) continue;
    if ((firstIndex + i) % Math.max(1, batchSize) === 0) requests += a.attempts;
    if (a.ok) usage = addUsage(usage, a.prediction.usage);
    latencyMs = Math.max(latencyMs, Math.round(a.latencyMs));
  }
  return { ...costOf(model, requests, usage), latencyMs };
}

/** The keys a generative result adds to the stored prediction: `cost`, and `grading` when a grader was asked. */
export function generativeFields(
  cost: CallCost & { latencyMs: number },
  graded: GradedItem | undefined,
): Record<string, unknown> {
  const record = graded?.record;
  return {
    cost: record ? { ...cost, grader: { by: record.by, cached: record.cached, ...record.cost } } : cost,
    ...(record ? { grading: { by: record.by, answer: record.answer, cached: record.cached } } : {}),
  };
}

export function statusOf(check: CheckResult): 'passed' | 'failed' | 'errored' {
  if (check.errored) return 'errored';
  return check.pass ? 'passed' : 'failed';
}
