import type { Model } from '../core/model.ts';
import type { NewResult } from '../db/queries/results.ts';
import type { CanaryMetrics } from '../observability/metrics.ts';
import type { CallCost } from './cost.ts';

export type CostMetrics = Pick<
  CanaryMetrics,
  'modelRequests' | 'modelTokens' | 'modelCostUsd' | 'graderAnswers'
>;

export function countCost(metrics: CostMetrics, model: Model, cost: CallCost): void {
  // By model name, not version: CI registers a version per commit, and a series per version would grow for ever.
  const labels = { model: model.name, role: model.role };
  if (cost.requests > 0) metrics.modelRequests.inc(labels, cost.requests);
  if (cost.promptTokens > 0) metrics.modelTokens.inc({ ...labels, kind: 'prompt' }, cost.promptTokens);
  if (cost.completionTokens > 0)
    metrics.modelTokens.inc({ ...labels, kind: 'completion' }, cost.completionTokens);
  if (cost.usd) metrics.modelCostUsd.inc(labels, cost.usd);
}

/** The candidate's share, read back from the rows about to be committed (graders count themselves as they are called). */
export function countCandidateCosts(metrics: CostMetrics, model: Model, rows: readonly NewResult[]): void {
  const total: CallCost = { requests: 0, promptTokens: 0, completionTokens: 0, usd: 0 };
  for (const row of rows) {
    const cost = (row.prediction as { cost?: CallCost } | undefined)?.cost;
    if (!cost) continue;
    total.requests += cost.requests;
    total.promptTokens += cost.promptTokens;
    total.completionTokens += cost.completionTokens;
    total.usd = (total.usd ?? 0) + (cost.usd ?? 0);
  }
  countCost(metrics, model, total);
}

export function countGraderCalls(
  metrics: CostMetrics,
  model: Model,
  fresh: number,
  cached: number,
  cost: CallCost,
): void {
  const ref = model.name;
  if (fresh > 0) metrics.graderAnswers.inc({ model: ref, source: 'call' }, fresh);
  if (cached > 0) metrics.graderAnswers.inc({ model: ref, source: 'cache' }, cached);
  countCost(metrics, model, cost);
}
