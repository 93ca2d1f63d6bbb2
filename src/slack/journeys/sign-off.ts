import { formatRate } from '../../core/metrics.ts';
import { escapeSlack } from '../../core/text.ts';
import { getProblem } from '../../services/problems.ts';
import { signOff } from '../../services/signoffs.ts';
import { isSigner, type SlackContext } from '../context.ts';
import { type ReplyTarget, replyEphemeral, reportFailure } from '../web-api/reply.ts';
import { noteInHomeThread } from './problem-data.ts';

export interface SignOffTarget {
  problemKey: string;
  /** name@version; without it, the newest model evaluated on the problem. */
  modelRef?: string | undefined;
}

/**
 * Every Slack sign-off button ends here. Signing off vouches for a pass rate, so only the people named in
 * CANARY_SIGNERS may do it, and the refusal comes before anything is looked up. The target is resolved only
 * for a signer; its refusals (stale ids, unknown problem) reach the user like any service refusal.
 */
export async function signOffFromSlack(
  ctx: SlackContext,
  to: ReplyTarget,
  target: () => Promise<SignOffTarget>,
): Promise<void> {
  if (ctx.settings.signers.length === 0) {
    return replyEphemeral(
      ctx,
      to,
      ':no_entry: Nobody can sign off yet: no signers are configured (CANARY_SIGNERS).',
    );
  }
  if (!isSigner(ctx.settings, to.user)) {
    return replyEphemeral(
      ctx,
      to,
      ':no_entry: Only the configured signers (CANARY_SIGNERS) can sign off a problem.',
    );
  }
  try {
    const { problemKey, modelRef } = await target();
    const signoff = await signOff(ctx.deps, {
      problemKey,
      userId: to.user,
      ...(modelRef === undefined ? {} : { modelRef }),
    });
    const problem = await getProblem(ctx.deps, signoff.problemKey);
    const what = `${signoff.problemKey} at ${formatRate(signoff.passRate)} on ${escapeSlack(signoff.model)}`;
    await replyEphemeral(ctx, to, `:white_check_mark: You signed off ${what}.`);
    await noteInHomeThread(ctx, problem, `:white_check_mark: <@${to.user}> signed off ${what}.`);
  } catch (error) {
    await reportFailure(ctx, to, error, 'sign off');
  }
}
