import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { CanaryError } from '../../../core/errors.ts';
import { BLOCK } from '../../blocks/ids.ts';
import type { AddPatternMetadata } from '../../blocks/modals.ts';
import { patternReceipt } from '../../blocks/suggestions.ts';
import type { SlackContext } from '../../context.ts';
import { readPatternForm, type ViewValues } from '../../journeys/pattern-form.ts';
import { type PersistedPattern, persistPattern } from '../../journeys/save-pattern.ts';
import { errorBlockFor, PATTERN_FIELD_BLOCKS, parseMetadata } from '../../journeys/view-state.ts';
import { permalinkOf, within } from '../../web-api/permalink.ts';
import { replyEphemeral, reportFailure } from '../../web-api/reply.ts';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** How long the source message's permalink may hold up the ack; a later answer still reaches the home-thread note. */
const PERMALINK_BUDGET_MS = 800;

/**
 * Saves the modal's pattern before answering, so a refusal (unknown problem, bad input, duplicate) is shown
 * on the field it concerns and the modal stays open. Before ack: the form check, the database writes and,
 * for a message shortcut, at most PERMALINK_BUDGET_MS waiting for the permalink. After: the back-fill
 * (Redis), the cards and the notes (the paced poster).
 */
export function addPatternSubmission(ctx: SlackContext) {
  return async ({ ack, view, body, client }: Args): Promise<void> => {
    const meta = parseMetadata<AddPatternMetadata>(view.private_metadata);
    const values = view.state.values as ViewValues;
    const user = body.user.id;
    const form = readPatternForm(values, {
      fixedProblemKey: meta.problemKey,
      maxInputBytes: ctx.deps.limits.maxInputBytes,
    });
    if (!form.ok) {
      await ack({ response_action: 'errors', errors: form.errors });
      return;
    }
    const f = form.value;
    const lookup = meta.source
      ? permalinkOf(ctx, client, meta.source.channel, meta.source.ts)
      : Promise.resolve(null);
    let saved: PersistedPattern;
    try {
      saved = await persistPattern(ctx, {
        problemKey: f.problemKey,
        newProblemTitle: f.newProblemTitle || undefined,
        input: f.input,
        expectation: f.expectation,
        polarity: f.polarity,
        notes: f.notes,
        source: meta.source ? 'production' : 'contrived',
        sourceChannel: meta.source?.channel,
        sourceTs: meta.source?.ts,
        permalink: await within(lookup, PERMALINK_BUDGET_MS),
        userId: user,
        announceChannel: meta.channel,
      });
    } catch (error) {
      if (error instanceof CanaryError) {
        const block = errorBlockFor(values, PATTERN_FIELD_BLOCKS[error.field ?? ''] ?? [], BLOCK.input);
        await ack({ response_action: 'errors', errors: { [block]: error.message } });
        return;
      }
      await ack();
      await reportFailure(ctx, { client, channel: meta.channel, user }, error, 'add pattern');
      return;
    }
    if (!saved.created) {
      const what = meta.source ? 'This message is already' : 'The same input and expectation are already';
      await ack({
        response_action: 'errors',
        errors: { [BLOCK.input]: `${what} pattern #${saved.pattern.id} in ${saved.problem.key}.` },
      });
      await saved.announce();
      return;
    }
    await ack();
    await replyEphemeral(
      ctx,
      { client, channel: meta.channel, user },
      patternReceipt(saved.pattern.id, saved.problem.key),
    );
    await saved.announce({ permalink: await lookup });
  };
}
