import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { CanaryError } from '../../../core/errors.ts';
import { formatModelRef } from '../../../core/model.ts';
import { gatherProblemResults } from '../../../services/reporting/evaluation-results.ts';
import { allChangesMessages } from '../../blocks/all-changes.ts';
import type { SlackContext } from '../../context.ts';
import { resultTarget } from '../../journeys/result-target.ts';
import { type ReplyTarget, replyEphemeral, reportFailure } from '../../web-api/reply.ts';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/**
 * Lists every newly broken and fixed pattern of one problem in one evaluation, recomputed from the database
 * the way the message was. Ephemeral, in the message's thread; chat.postEphemeral rather than response_url,
 * because a long list takes several messages and a response_url takes only five.
 */
export function resultShowAllAction(ctx: SlackContext) {
  return async ({ ack, action, body, client, respond }: Args): Promise<void> => {
    await ack();
    const to: ReplyTarget = { respond, client, channel: body.channel?.id, user: body.user.id };
    try {
      const { evaluation, problem } = await resultTarget(ctx, action.value);
      const gathered = await gatherProblemResults(ctx.deps.db, evaluation, { problemIds: [problem.id] });
      const result = gathered?.problems[0];
      if (!result) {
        throw new CanaryError(
          'not_evaluated',
          `Evaluation #${evaluation.id} has no finished results on ${problem.key}.`,
        );
      }
      const messages = allChangesMessages({
        model: formatModelRef(evaluation.model),
        problem: { key: problem.key, title: problem.title },
        baseline: (result.previous ?? result.production)?.model ?? null,
        broken: result.broken,
        fixed: result.fixed,
      });
      const messageThread = body.message?.thread_ts as string | undefined;
      const inThread: ReplyTarget = {
        ...to,
        respond: undefined,
        threadTs: messageThread ?? problem.homeTs ?? undefined,
      };
      for (const message of messages) await replyEphemeral(ctx, inThread, message);
    } catch (error) {
      await reportFailure(ctx, to, error, 'show all changes');
    }
  };
}
