import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { getProblem } from '../../../services/problems.ts';
import { thresholdModal } from '../../blocks/modals.ts';
import { isAdmin, type SlackContext } from '../../context.ts';
import { type ReplyTarget, replyEphemeral, reportFailure } from '../../web-api/reply.ts';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

export function problemSetThresholdAction(ctx: SlackContext) {
  return async ({ ack, action, body, client, respond }: Args): Promise<void> => {
    await ack();
    const channel = body.channel?.id;
    const to: ReplyTarget = { respond, client, channel, user: body.user.id };
    if (!isAdmin(ctx.settings, body.user.id)) {
      return replyEphemeral(ctx, to, ':no_entry: Only Canary admins (CANARY_ADMINS) can change thresholds.');
    }
    try {
      const problem = await getProblem(ctx.deps, action.value ?? '');
      await client.views.open({
        trigger_id: body.trigger_id,
        view: thresholdModal(
          { key: problem.key, title: problem.title, threshold: problem.threshold },
          { key: problem.key, channel },
        ),
      });
    } catch (error) {
      await reportFailure(ctx, to, error, 'set threshold button');
    }
  };
}
