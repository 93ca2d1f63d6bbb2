import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { CanaryError } from '../../../core/errors.ts';
import { suggestForPattern } from '../../../services/suggestions.ts';
import { parseSuggestValue, suggestionsModal } from '../../blocks/suggestions.ts';
import type { SlackContext } from '../../context.ts';
import { type ReplyTarget, reportFailure } from '../../web-api/reply.ts';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/**
 * Opens the related-cases modal for one pattern. The trigger id lives 3 seconds, so only the pattern read and
 * the (pure, fast) generator run before views.open. The seed is the pattern id: the modal and its submission
 * regenerate the same list.
 */
export function suggestRelatedAction(ctx: SlackContext) {
  return async ({ ack, action, body, client, respond }: Args): Promise<void> => {
    await ack();
    const to: ReplyTarget = { respond, client, channel: body.channel?.id, user: body.user.id };
    try {
      const patternId = parseSuggestValue(action.value);
      if (patternId === null)
        throw new CanaryError('validation', 'This button is from an older Canary and can no longer be read.');
      const { pattern, problem, seed, proposals } = await suggestForPattern(ctx.deps, { patternId });
      await client.views.open({
        trigger_id: body.trigger_id,
        view: suggestionsModal({
          pattern,
          problemKey: problem.key,
          proposals,
          metadata: {
            patternId: pattern.id,
            revisionId: pattern.revisionId,
            seed,
            n: proposals.length,
            channel: body.channel?.id,
          },
        }),
      });
    } catch (error) {
      await reportFailure(ctx, to, error, 'suggest related cases');
    }
  };
}
