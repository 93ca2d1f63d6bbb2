import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackContext } from '../../context.ts';
import { openEditPattern } from '../../journeys/controls.ts';
import { type ReplyTarget, reportFailure } from '../../web-api/reply.ts';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** "Edit pattern" on a pattern receipt: the edit modal, for admins. */
export function patternEditAction(ctx: SlackContext) {
  return async ({ ack, action, body, client, respond }: Args): Promise<void> => {
    await ack();
    const to: ReplyTarget = { respond, client, channel: body.channel?.id, user: body.user.id };
    try {
      await openEditPattern(ctx, client, body.trigger_id, Number(action.value), to);
    } catch (error) {
      await reportFailure(ctx, to, error, 'edit pattern');
    }
  };
}
