import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackContext } from '../../context.ts';
import { openAddPatternModal } from '../../journeys/open-modals.ts';
import { reportFailure } from '../../web-api/reply.ts';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** The card's "Add pattern" button: the same modal as `/pattern add <key>`. */
export function problemAddPatternAction(ctx: SlackContext) {
  return async ({ ack, action, body, client, respond }: Args): Promise<void> => {
    await ack();
    const channel = body.channel?.id;
    try {
      await openAddPatternModal(ctx, client, body.trigger_id, { problemKey: action.value ?? '', channel });
    } catch (error) {
      await reportFailure(ctx, { respond, client, channel, user: body.user.id }, error, 'add pattern button');
    }
  };
}
