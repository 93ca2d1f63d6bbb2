import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { formatRate } from '../../../core/metrics.ts';
import { escapeSlack } from '../../../core/text.ts';
import { getProblem } from '../../../services/problems.ts';
import { signOff } from '../../../services/signoffs.ts';
import { isSigner, type SlackContext } from '../../context.ts';
import { noteInHomeThread } from '../../problem-data.ts';
import { type ReplyTarget, replyEphemeral, reportFailure } from '../../reply.ts';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** Signing off vouches for a pass rate; only the people named in CANARY_SIGNERS may do it. */
export function problemSignOffAction(ctx: SlackContext) {
  return async ({ ack, action, body, client, respond }: Args): Promise<void> => {
    await ack();
    const user = body.user.id;
    const to: ReplyTarget = { respond, client, channel: body.channel?.id, user };
    if (ctx.settings.signers.length === 0) {
      return replyEphemeral(
        ctx,
        to,
        ':no_entry: Nobody can sign off yet: no signers are configured (CANARY_SIGNERS).',
      );
    }
    if (!isSigner(ctx.settings, user)) {
      return replyEphemeral(
        ctx,
        to,
        ':no_entry: Only the configured signers (CANARY_SIGNERS) can sign off a problem.',
      );
    }
    try {
      const signoff = await signOff(ctx.deps, { problemKey: action.value ?? '', userId: user });
      const problem = await getProblem(ctx.deps, signoff.problemKey);
      const what = `${signoff.problemKey} at ${formatRate(signoff.passRate)} on ${escapeSlack(signoff.model)}`;
      await replyEphemeral(ctx, to, `:white_check_mark: You signed off ${what}.`);
      await noteInHomeThread(ctx, problem, `:white_check_mark: <@${user}> signed off ${what}.`);
    } catch (error) {
      await reportFailure(ctx, to, error, 'sign off');
    }
  };
}
