import { describeExpectation } from '../core/expectations/index.ts';
import { validatePatternDraft } from '../core/pattern.ts';
import { escapeSlack, truncate } from '../core/text.ts';
import type { Expectation, Pattern, PatternInput, PatternSource, Polarity, Problem } from '../core/types.ts';
import { invalid } from '../services/errors.ts';
import { addPattern } from '../services/patterns.ts';
import { createProblem, getProblem } from '../services/problems.ts';
import type { SlackContext } from './context.ts';
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
  userId: string;
  /** Where a newly created problem's card is posted. */
  announceChannel?: string | undefined;
}

export interface SavedPattern {
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

/**
 * The one way a pattern is saved from Slack, whatever the path (modal, shortcut, flag). A new problem is
 * created only once the pattern itself is known to be valid, so a bad form never leaves an empty problem behind.
 */
export async function savePattern(ctx: SlackContext, req: SavePatternRequest): Promise<SavedPattern> {
  const draft = {
    input: req.input,
    expectation: req.expectation,
    polarity: req.polarity,
    source: req.source,
    notes: req.notes,
    ...(req.permalink ? { sourceRef: req.permalink } : {}),
  };
  let problem: Problem;
  if (req.newProblemTitle) {
    const check = validatePatternDraft(
      { problem: req.newProblemTitle, ...draft },
      ctx.deps.limits.maxInputBytes,
    );
    if (!check.ok) invalid(check.errors[0]?.message ?? 'The pattern is not valid.', check.errors[0]?.field);
    problem = await createProblem(ctx.deps, { title: req.newProblemTitle, creatorId: req.userId });
    if (req.announceChannel) {
      try {
        problem = await announceProblem(ctx, problem, req.announceChannel);
      } catch (error) {
        ctx.log.warn({ err: error, problem: problem.key }, 'new problem card could not be posted');
      }
    }
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
    { creatorId: req.userId },
  );
  if (created) {
    const from = req.permalink ? ` (<${req.permalink}|from this message>)` : '';
    await noteInHomeThread(
      ctx,
      problem,
      `:heavy_plus_sign: <@${req.userId}> added pattern #${pattern.id}${from}: ${escapeSlack(describeExpectation(pattern.expectation))}` +
        `${pattern.polarity === 'negative' ? ' (negative)' : ''} on “${inputPreview(pattern.input)}”. Back-fill queued on every model.`,
    );
    await refreshCard(ctx, problem);
  }
  return { problem, pattern, created };
}
