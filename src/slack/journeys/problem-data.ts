import type { Problem } from '../../core/problem.ts';
import { searchOpenProblems } from '../../db/queries/problem-search.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { getProblem, listProblems, type ProblemSummary, setProblemHome } from '../../services/problems.ts';
import { type ProblemCardData, problemCard } from '../blocks/problem-card.ts';
import type { ProblemRowData } from '../blocks/problem-list.ts';
import type { SlackContext } from '../context.ts';

/** The newest model that has actually been evaluated on the problem. */
function latestEvaluated(summary: ProblemSummary): ProblemCardData['latest'] {
  for (let i = summary.latest.length - 1; i >= 0; i--) {
    const entry = summary.latest[i];
    if (entry && entry.metrics.n > 0) {
      return { model: entry.model, passRate: entry.metrics.passRate, n: entry.metrics.n };
    }
  }
  return null;
}

export function cardData(summary: ProblemSummary): ProblemCardData {
  const p = summary.problem;
  return {
    key: p.key,
    title: p.title,
    description: p.description,
    status: p.status,
    severity: p.severity,
    threshold: p.threshold,
    patternCount: summary.activePatternCount,
    latest: latestEvaluated(summary),
  };
}

export function rowData(summary: ProblemSummary): ProblemRowData {
  const p = summary.problem;
  return {
    key: p.key,
    title: p.title,
    status: p.status,
    severity: p.severity,
    threshold: p.threshold,
    patternCount: summary.activePatternCount,
    rates: summary.latest.map((l) => ({ model: l.model, passRate: l.metrics.passRate, n: l.metrics.n })),
  };
}

/** One problem's summary (counts and latest rates); throws problem_not_found for an unknown key. */
export async function problemSummary(deps: ServiceDeps, key: string): Promise<ProblemSummary> {
  const problem = await getProblem(deps, key);
  const all = await listProblems(deps, { status: [problem.status] });
  const found = all.find((s) => s.problem.id === problem.id);
  return found ?? { problem, patternCount: 0, activePatternCount: 0, latest: [] };
}

/** Whether a problem picker has anything to offer (one indexed row read, fit for the 3-second trigger window). */
export async function hasOpenProblems(deps: Pick<ServiceDeps, 'db'>): Promise<boolean> {
  return (await searchOpenProblems(deps.db, '', 1)).length > 0;
}

/**
 * A line in the problem's home thread. Best effort: the action it reports has already happened, so a
 * thread we can no longer post in (bot removed, message deleted) is logged, not turned into a failure.
 */
export async function noteInHomeThread(ctx: SlackContext, problem: Problem, text: string): Promise<void> {
  if (!problem.homeChannel || !problem.homeTs) return;
  try {
    await ctx.poster.post({ channel: problem.homeChannel, thread_ts: problem.homeTs, text });
  } catch (error) {
    ctx.log.warn({ err: error, problem: problem.key }, 'could not post in the problem home thread');
  }
}

/**
 * Posts the problem's card in a channel and makes it the problem's home. Throws Slack's refusal
 * (not_in_channel, …) so the caller can tell the user; the problem itself already exists either way.
 */
export async function announceProblem(
  ctx: SlackContext,
  problem: Problem,
  channel: string,
): Promise<Problem> {
  const summary = await problemSummary(ctx.deps, problem.key);
  const card = problemCard(cardData(summary));
  const posted = await ctx.poster.post({ channel, text: card.text, blocks: card.blocks });
  return setProblemHome(ctx.deps, problem.id, { channel: posted.channel, ts: posted.ts });
}

/** Re-renders the card in place after a change (threshold, status, new pattern). Best effort. */
export async function refreshCard(ctx: SlackContext, problem: Problem): Promise<void> {
  if (!problem.homeChannel || !problem.homeTs) return;
  try {
    const card = problemCard(cardData(await problemSummary(ctx.deps, problem.key)));
    await ctx.poster.update({
      channel: problem.homeChannel,
      ts: problem.homeTs,
      text: card.text,
      blocks: card.blocks,
    });
  } catch (error) {
    ctx.log.warn({ err: error, problem: problem.key }, 'could not refresh the problem card');
  }
}
