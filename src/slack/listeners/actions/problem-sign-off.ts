import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackContext } from '../../context.ts';
import { signOffFromSlack } from '../../journeys/sign-off.ts';
import type { ReplyTarget } from '../../web-api/reply.ts';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** The problem card's button: signs off at the newest model evaluated on the problem. */
export function problemSignOffAction(ctx: SlackContext) {
  return async ({ ack, action, body, client, respond }: Args): Promise<void> => {
    await ack();
    const to: ReplyTarget = { respond, client, channel: body.channel?.id, user: body.user.id };
    await signOffFromSlack(ctx, to, async () => ({ problemKey: action.value ?? '' }));
  };
}
