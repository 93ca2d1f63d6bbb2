import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { formatModelRef } from '../../../core/model.ts';
import type { SlackContext } from '../../context.ts';
import { resultTarget } from '../../journeys/result-target.ts';
import { signOffFromSlack } from '../../journeys/sign-off.ts';
import type { ReplyTarget } from '../../web-api/reply.ts';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** An evaluation result's button: signs off the problem at the model that evaluation ran, not the newest one. */
export function resultSignOffAction(ctx: SlackContext) {
  return async ({ ack, action, body, client, respond }: Args): Promise<void> => {
    await ack();
    const to: ReplyTarget = { respond, client, channel: body.channel?.id, user: body.user.id };
    await signOffFromSlack(ctx, to, async () => {
      const { evaluation, problem } = await resultTarget(ctx, action.value);
      return { problemKey: problem.key, modelRef: formatModelRef(evaluation.model) };
    });
  };
}
