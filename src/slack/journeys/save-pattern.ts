import type { Expectation } from '../../core/expectations/handler.ts';
import { describeExpectation } from '../../core/expectations/index.ts';
import type { Pattern, PatternInput, PatternSource, Polarity } from '../../core/pattern.ts';
import { validatePatternDraft } from '../../core/pattern.ts';
import type { Problem } from '../../core/problem.ts';
import { escapeSlack, truncate } from '../../core/text.ts';
import { invalid } from '../../services/errors.ts';
import { addPattern, scheduleBackfills } from '../../services/patterns.ts';
import { createProblem, getProblem } from '../../services/problems.ts';
import type { SlackContext } from '../context.ts';
import { announceProblem, noteInHomeThread, refreshCard } from './problem-data.ts';

export interface SavePatternRequest {
  problemKey?: string | undefined;
  /** Create this problem first (the shortcut's "new problem" field). */
  newProblemTitle?: string | undefined;
  input: PatternInput;
  expectation: Expectation;
  polarity: Polarity;
  notes: string;
  source: PatternSource;
  sourceChannel?: string | undefined;
  sourceTs?: string | undefined;
  permalink?: string | null | undefined;
  /** Where the pattern came from when there is no permalink (triage: `observation:<id>`). */
  sourceRef?: string | undefined;
  userId: string;
  /** Where a newly created problem's card is posted. */
  announceChannel?: string | undefined;
}

interface SavedPattern {
  problem: Problem;
  pattern: Pattern;
  /** false when the same pattern (or the same Slack message) was already saved. */
  created: boolean;
}

export function inputPreview(input: PatternInput, max = 200): string {
  return escapeSlack(truncate(typeof input === 'string' ? input : JSON.stringify(input), max)).replace(
    /\s+/g,
    ' ',
  );
}

/** A saved pattern whose Slack side (card, home-thread note, back-fill) has not happened yet. */
export interface PersistedPattern extends SavedPattern {
  /**
   * Queues the back-fill, posts a new problem's card, notes the pattern in the home thread and refreshes the
   * card. Run it after ack: it waits on Redis and on the paced poster. Best effort, never throws.
   * permalink overrides the request's, for a lookup that only answered after the save.
   */
  announce(opts?: { permalink?: string | null }): Promise<void>;
}

/**
 * The one way a pattern is saved from Slack, whatever the path (modal, shortcut, flag), in two steps so a
 * modal can show refusals on its fields: this one only checks and writes to the database, and is fit to run
 * before ack; the returned announce() does the rest. A new problem is created only once the pattern itself
 * is known to be valid, so a bad form never leaves an empty problem behind.
 */
export async function persistPattern(ctx: SlackContext, req: SavePatternRequest): Promise<PersistedPattern> {
  const draft = {
    input: req.input,
    expectation: req.expectation,
    polarity: req.polarity,
    source: req.source,
    notes: req.notes,
    ...(req.permalink ? { sourceRef: req.permalink } : req.sourceRef ? { sourceRef: req.sourceRef } : {}),
  };
  let problem: Problem;
  let newProblem = false;
  if (req.newProblemTitle) {
    const check = validatePatternDraft(
      { problem: req.newProblemTitle, ...draft },
      ctx.deps.limits.maxInputBytes,
    );
    if (!check.ok) invalid(check.errors[0]?.message ?? 'The pattern is not valid.', check.errors[0]?.field);
    problem = await createProblem(ctx.deps, { title: req.newProblemTitle, creatorId: req.userId });
    newProblem = true;
  } else {
    if (!req.problemKey) invalid('Say which problem this pattern belongs to.', 'problem');
    problem = await getProblem(ctx.deps, req.problemKey);
  }
  const { pattern, created } = await addPattern(
    ctx.deps,
    {
      problem: problem.key,
      ...draft,
      sourceChannel: req.sourceChannel ?? null,
      sourceTs: req.sourceTs ?? null,
    },
    // Committed before ack; queuing the back-fill (a plan and a Redis enqueue per model) waits until after it.
    { creatorId: req.userId, deferBackfill: true },
  );
  const saved = { problem, pattern, created };
  return {
    ...saved,
    announce: (opts = {}) =>
      announceSaved(ctx, req, saved, {
        newProblem,
        permalink: opts.permalink === undefined ? req.permalink : opts.permalink,
      }),
  };
}

async function announceSaved(
  ctx: SlackContext,
  req: SavePatternRequest,
  saved: SavedPattern,
  how: { newProblem: boolean; permalink: string | null | undefined },
): Promise<void> {
  // The back-fill first: it is the work the pattern exists for; the messages only report it.
  const unscheduled = saved.created
    ? (await scheduleBackfills(ctx.deps, [saved.pattern.revisionId], req.userId)).length
    : 0;
  let problem = saved.problem;
  let cardIsCurrent = false;
  // A problem made for this pattern gets its card even when the pattern turned out to be a duplicate: it exists.
  if (how.newProblem && req.announceChannel) {
    try {
      problem = await announceProblem(ctx, problem, req.announceChannel);
      cardIsCurrent = true;
    } catch (error) {
      ctx.log.warn({ err: error, problem: problem.key }, 'new problem card could not be posted');
    }
  }
  if (!saved.created) return;
  const { pattern } = saved;
  const from = how.permalink ? ` (<${how.permalink}|from this message>)` : '';
  const backfill =
    unscheduled === 0
      ? 'Back-fill queued on every model.'
      : 'The back-fill could not be queued; each model’s next evaluation picks it up.';
  await noteInHomeThread(
    ctx,
    problem,
    `:heavy_plus_sign: <@${req.userId}> added pattern #${pattern.id}${from}: ${escapeSlack(describeExpectation(pattern.expectation))}` +
      `${pattern.polarity === 'negative' ? ' (negative)' : ''} on “${inputPreview(pattern.input)}”. ${backfill}`,
  );
  if (!cardIsCurrent) await refreshCard(ctx, problem);
}
