import {
  patternGridChart,
  problemAcrossModelsChart,
  problemsOverModelsChart,
  satisfactionOverTimeChart,
  trainingMetricsChart,
} from '../core/charts.ts';
import type { Model } from '../core/model.ts';
import { formatModelRef } from '../core/model.ts';
import { describeEvaluationCost } from '../db/queries/costs.ts';
import { getModelById } from '../db/queries/models.ts';
import { markNotified, problemsByIds } from '../db/queries/notifications.ts';
import { metricsByModelAndProblem } from '../db/queries/reports.ts';
import { signoffsBrokenBy } from '../db/queries/signoffs.ts';
import { type EvaluationView, getEvaluation } from '../services/evaluation/results.ts';
import { type EvaluationResults, gatherEvaluationResults } from '../services/reporting/evaluation-results.ts';
import { patternGridOf } from '../services/reporting/pattern-grid.ts';
import type { SatisfactionReport } from '../services/satisfaction.ts';
import type { BrokenSignoff } from '../services/signoffs.ts';
import { evaluationSummaryMessage, type SummaryUsers } from '../slack/blocks/evaluation-summary.ts';
import { problemResultMessage } from '../slack/blocks/problem-result.ts';
import { signoffBrokenMessage } from '../slack/blocks/signoff-broken.ts';
import {
  claimKey,
  ledgerEntry,
  postOnce,
  postOrUpdate,
  postOrUpdateUnless,
} from '../slack/web-api/ledger.ts';
import { chartUrlOf, type PreparedChart, prepareChart, shareChartInThread } from './charts.ts';
import type { NotifyDeps, PostingDeps } from './deps.ts';

/** Ledger keys: what each message is about. */
export const keys = {
  summary: (evaluationId: number) => `eval:${evaluationId}:summary`,
  /** Claimed before the final summary is written: progress updates stop once it exists. */
  final: (evaluationId: number) => `eval:${evaluationId}:final`,
  summaryChart: (evaluationId: number) => `eval:${evaluationId}:summary:chart`,
  summaryMetricsChart: (evaluationId: number) => `eval:${evaluationId}:summary:metrics-chart`,
  summaryUsersChart: (evaluationId: number) => `eval:${evaluationId}:summary:users-chart`,
  problem: (evaluationId: number, problemId: number) => `eval:${evaluationId}:problem:${problemId}`,
  problemChart: (evaluationId: number, problemId: number) =>
    `eval:${evaluationId}:problem:${problemId}:chart`,
  problemGridChart: (evaluationId: number, problemId: number) =>
    `eval:${evaluationId}:problem:${problemId}:grid-chart`,
  signoffBroken: (signoffId: number) => `signoff:${signoffId}:broken`,
};

interface Target {
  channel: string;
  threadTs: string | null;
}

/** The channel (and thread) the run was asked for from, else where the model was registered, else the models channel. */
export function summaryTarget(
  deps: Pick<NotifyDeps, 'modelsChannel'>,
  evaluation: EvaluationView,
  model: Model | null,
): Target | null {
  if (evaluation.slack) return { channel: evaluation.slack.channel, threadTs: evaluation.slack.threadTs };
  if (model?.slackChannel) return { channel: model.slackChannel, threadTs: model.slackTs };
  if (deps.modelsChannel) return { channel: deps.modelsChannel, threadTs: null };
  return null;
}

/** A back-fill (one revision, or a bulk add) has no run summary of its own: it answers in the pattern threads. */
export function isBackfill(e: Pick<EvaluationView, 'patternRevisionId' | 'patternAddId'>): boolean {
  return e.patternRevisionId !== null || e.patternAddId !== null;
}

function progressOf(e: EvaluationView) {
  return { total: e.total, done: e.done, passed: e.passed, failed: e.failed, errored: e.errored };
}

/** The summary while the run is under way; a run already over is shown as it was when its last batch ran. */
function progressMessage(evaluation: EvaluationView) {
  return evaluationSummaryMessage({
    model: formatModelRef(evaluation.model),
    state: evaluation.status === 'queued' ? 'queued' : 'running',
    trigger: evaluation.trigger,
    progress: progressOf(evaluation),
  });
}

/** Started and progress: post the summary, then edit it in place as batches complete. */
export async function notifyProgress(deps: PostingDeps, evaluationId: number): Promise<void> {
  const evaluation = await getEvaluation(deps, evaluationId);
  // Back-fills answer once, in the pattern's (or the bulk add's) threads; finished runs belong to the finished notification.
  if (!evaluation || isBackfill(evaluation)) return;
  if (evaluation.status === 'done' || evaluation.status === 'failed') return;
  if (await ledgerEntry(deps.db, keys.final(evaluationId))) return;
  const model = await getModelById(deps.db, evaluation.model.id);
  const target = summaryTarget(deps, evaluation, model);
  if (!target) return;
  const message = progressMessage(evaluation);
  await postOrUpdateUnless(
    deps.db,
    deps.slack,
    keys.summary(evaluationId),
    { channel: target.channel, thread_ts: target.threadTs ?? undefined, ...message },
    // Asked again under the summary's lock: a finished job in another process may have finalised it meanwhile.
    async (tx) => (await ledgerEntry(tx, keys.final(evaluationId))) !== null,
  );
}

/**
 * Charts already drawn in this process, by ledger key: a finished job that waited for a busy channel runs again
 * from the top, and drawing every problem's charts again on each turn would cost more than the posting.
 */
const drawnBy = new WeakMap<object, Map<string, Promise<PreparedChart>>>();
function preparedOnce(
  renderer: object,
  key: string,
  draw: () => Promise<PreparedChart>,
): Promise<PreparedChart> {
  let drawn = drawnBy.get(renderer);
  if (!drawn) {
    drawn = new Map();
    drawnBy.set(renderer, drawn);
  }
  const hit = drawn.get(key);
  if (hit) return hit;
  const made = draw();
  drawn.set(key, made);
  made.catch(() => drawn?.delete(key));
  if (drawn.size > 500) drawn.delete(drawn.keys().next().value as string);
  return made;
}

export interface FinishedOutcome {
  evaluation: EvaluationView | null;
  results: EvaluationResults | null;
  brokenSignoffs: BrokenSignoff[];
}

/** What a finished run changes whether or not Slack is there: sign-offs it broke are marked. */
export async function recordFinished(deps: NotifyDeps, evaluationId: number): Promise<FinishedOutcome> {
  const evaluation = await getEvaluation(deps, evaluationId);
  if (!evaluation) return { evaluation: null, results: null, brokenSignoffs: [] };
  const brokenSignoffs =
    evaluation.status === 'done' && deps.checkSignoffs ? await deps.checkSignoffs(evaluation.model.id) : [];
  const results =
    evaluation.status === 'done' && !isBackfill(evaluation)
      ? await gatherEvaluationResults(deps.db, evaluation)
      : null;
  return { evaluation, results, brokenSignoffs };
}

export async function announceFinished(deps: PostingDeps, outcome: FinishedOutcome): Promise<void> {
  const { evaluation, results } = outcome;
  if (!evaluation) return;
  await announceBrokenSignoffs(deps, evaluation.model.id, outcome.brokenSignoffs);
  if (isBackfill(evaluation)) return;
  await finalSummary(deps, evaluation, results);
  for (const result of results?.problems ?? []) {
    const { problem } = result;
    if (!problem.homeChannel || !problem.homeTs) {
      deps.log.debug({ problem: problem.key }, 'problem has no home thread; result not posted');
      continue;
    }
    const chart = await preparedOnce(deps.charts, keys.problemChart(evaluation.id, problem.id), () =>
      prepareChart(deps.charts, problemAcrossModelsChart(result.acrossModels)),
    );
    const grid = await preparedOnce(deps.charts, keys.problemGridChart(evaluation.id, problem.id), async () =>
      prepareChart(deps.charts, patternGridChart(await patternGridOf(deps.db, problem.key))),
    );
    const message = problemResultMessage({
      model: formatModelRef(evaluation.model),
      problem: { key: problem.key, title: problem.title, threshold: problem.threshold },
      metrics: result.metrics,
      previous: result.previous,
      production: result.production,
      verdict: result.verdict,
      thresholdMet: result.thresholdMet,
      broken: result.broken,
      fixed: result.fixed,
      chartUrl: chartUrlOf(chart),
      gridChartUrl: chartUrlOf(grid),
      ids: { evaluationId: evaluation.id, problemId: problem.id },
      suggestPatternId: result.suggestFrom,
    });
    await postOrUpdate(deps.db, deps.slack, keys.problem(evaluation.id, problem.id), {
      channel: problem.homeChannel,
      thread_ts: problem.homeTs,
      ...message,
    });
    await shareChartInThread(deps, keys.problemChart(evaluation.id, problem.id), chart, {
      channel: problem.homeChannel,
      threadTs: problem.homeTs,
      filename: `${problem.key}-across-models.png`,
      title: `${problem.key}: pass rate per model`,
    });
    await shareChartInThread(deps, keys.problemGridChart(evaluation.id, problem.id), grid, {
      channel: problem.homeChannel,
      threadTs: problem.homeTs,
      filename: `${problem.key}-pattern-grid.png`,
      title: `${problem.key}: pattern outcomes per model`,
    });
  }
  await markNotified(deps.db, evaluation.id, deps.now());
}

async function finalSummary(
  deps: PostingDeps,
  evaluation: EvaluationView,
  results: EvaluationResults | null,
) {
  const model = results?.model ?? (await getModelById(deps.db, evaluation.model.id));
  const target = summaryTarget(deps, evaluation, model);
  if (!target) return;
  await claimKey(deps.db, keys.final(evaluation.id), target.channel);
  // A run that ended before its start notice went out (seconds long, or queued behind a busy channel) still gets
  // one, posted now and edited to the result below: every summary is posted at the start and edited at the end.
  // Its own transaction: a job sent back to wait for the channel between the two keeps the ts and only edits.
  await postOnce(deps.db, deps.slack, keys.summary(evaluation.id), {
    channel: target.channel,
    thread_ts: target.threadTs ?? undefined,
    ...progressMessage(evaluation),
  });
  const chart = results ? await prepareChart(deps.charts, problemsOverModelsChart(results.overModels)) : null;
  // Skipped, not drawn empty, when no model of this name reported a metric: no ledger key is written either.
  const metricsChart = results?.trainingMetrics
    ? await prepareChart(deps.charts, trainingMetricsChart(results.trainingMetrics))
    : null;
  // Only for a model users rated: a chart of nothing would be noise.
  const usersChart = results?.users
    ? await prepareChart(deps.charts, satisfactionOverTimeChart(results.users.overTime))
    : null;
  const message = evaluationSummaryMessage({
    model: formatModelRef(evaluation.model),
    state: evaluation.status,
    trigger: evaluation.trigger,
    progress: progressOf(evaluation),
    error: evaluation.error,
    chartUrl: chartUrlOf(chart),
    metricsChartUrl: chartUrlOf(metricsChart),
    ...(hasCost(evaluation.cost) ? { costLines: describeEvaluationCost(evaluation.cost) } : {}),
    ...(results?.users ? { users: summaryUsers(results.users.report, chartUrlOf(usersChart)) } : {}),
    ...(results
      ? {
          gate: results.gate,
          problems: results.problems.map((r) => ({
            key: r.problem.key,
            title: r.problem.title,
            metrics: r.metrics,
            verdict: r.verdict,
            thresholdMet: r.thresholdMet,
          })),
        }
      : {}),
  });
  const posted = await postOrUpdate(deps.db, deps.slack, keys.summary(evaluation.id), {
    channel: target.channel,
    thread_ts: target.threadTs ?? undefined,
    ...message,
  });
  await shareChartInThread(deps, keys.summaryChart(evaluation.id), chart, {
    channel: posted.channel,
    threadTs: target.threadTs ?? posted.ts,
    filename: `problems-over-models-${evaluation.id}.png`,
    title: 'Pass rate per problem across candidate models',
  });
  await shareChartInThread(deps, keys.summaryMetricsChart(evaluation.id), metricsChart, {
    channel: posted.channel,
    threadTs: target.threadTs ?? posted.ts,
    filename: `training-metrics-${evaluation.id}.png`,
    title: 'Reported training metrics per model',
  });
  await shareChartInThread(deps, keys.summaryUsersChart(evaluation.id), usersChart, {
    channel: posted.channel,
    threadTs: target.threadTs ?? posted.ts,
    filename: `satisfaction-${evaluation.id}.png`,
    title: 'What users think: share of 👍 per day, by model version',
  });
}

function summaryUsers(report: SatisfactionReport, chartUrl: string | undefined): SummaryUsers {
  return {
    line: report.line,
    perProblem: Object.fromEntries(
      report.perProblem.map((p) => [p.key, { share: p.satisfaction.share, n: p.satisfaction.n }]),
    ),
    chartUrl,
  };
}

/**
 * Announces, in each problem's thread, the sign-offs this model broke. checkSignoffs returns a sign-off only the
 * first time it is marked, so a retried job also looks up those already marked broken by this model.
 */
async function announceBrokenSignoffs(deps: PostingDeps, modelId: number, fresh: readonly BrokenSignoff[]) {
  const marked = await signoffsBrokenBy(deps.db, modelId);
  const all = new Map(marked.map((s) => [s.id, s]));
  for (const s of fresh) all.set(s.id, s);
  if (all.size === 0) return;
  const model = await getModelById(deps.db, modelId);
  if (!model) return;
  const problemIds = [...new Set([...all.values()].map((s) => s.problemId))];
  const [problems, table] = await Promise.all([
    problemsByIds(deps.db, problemIds),
    metricsByModelAndProblem(deps.db, { models: [model], problemIds }),
  ]);
  const home = new Map(problems.map((p) => [p.id, p]));
  for (const s of all.values()) {
    const problem = home.get(s.problemId);
    if (!problem?.homeChannel || !problem.homeTs) continue;
    const message = signoffBrokenMessage({
      problemKey: s.problemKey,
      signedModel: s.model,
      signedBy: s.signedBy,
      signedRate: s.passRate,
      brokenBy: formatModelRef(model),
      nowRate: table.get(model.id)?.get(s.problemId)?.passRate ?? null,
    });
    await postOnce(deps.db, deps.slack, keys.signoffBroken(s.id), {
      channel: problem.homeChannel,
      thread_ts: problem.homeTs,
      ...message,
    });
  }
}

/** Classifier evaluations over protocols without usage still made requests; the line is shown when anything was paid. */
function hasCost(cost: EvaluationView['cost'] | undefined): cost is EvaluationView['cost'] {
  return (
    !!cost && (cost.candidate.promptTokens > 0 || cost.candidate.usd !== null || cost.graders.length > 0)
  );
}
