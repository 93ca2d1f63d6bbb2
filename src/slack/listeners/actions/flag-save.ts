import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { getFlag, linkFlagToPattern } from '../../../db/queries/slack.ts';
import { getProblem } from '../../../services/problems.ts';
import { flagSaved } from '../../blocks/flag.ts';
import { BLOCK } from '../../blocks/ids.ts';
import type { SlackContext } from '../../context.ts';
import { slackErrorCode } from '../../errors.ts';
import { expectationFrom, selectedValue, textValue, type ViewValues } from '../../journeys/pattern-form.ts';
import { persistPattern } from '../../journeys/save-pattern.ts';
import { permalinkOf } from '../../web-api/permalink.ts';
import { type ReplyTarget, replyEphemeral, reportFailure } from '../../web-api/reply.ts';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

const SAVED_REACTION = 'white_check_mark';

/** Save on a flag prompt: the flagged message becomes a production pattern, the prompt becomes its receipt. */
export function flagSaveAction(ctx: SlackContext) {
  return async ({ ack, action, body, client, respond }: Args): Promise<void> => {
    await ack();
    const user = body.user.id;
    const to: ReplyTarget = {
      respond,
      client,
      channel: body.channel?.id,
      user,
      threadTs: body.message?.thread_ts ?? body.message?.ts,
    };
    try {
      const flag = await getFlag(ctx.deps.db, Number(action.value));
      if (!flag)
        return replyEphemeral(ctx, to, 'This flag no longer exists; react again to flag the message.');
      if (flag.patternId !== null) {
        return replyEphemeral(ctx, to, `This message is already saved as pattern #${flag.patternId}.`);
      }
      const values = (body.state?.values ?? {}) as ViewValues;
      const problemKey = selectedValue(values, BLOCK.flagProblem);
      if (!problemKey)
        return replyEphemeral(ctx, to, 'Pick the problem this output shows, then press Save again.');
      const expectation = expectationFrom('shorthand', textValue(values, BLOCK.flagExpected));
      if (!expectation.ok) return replyEphemeral(ctx, to, `:warning: ${expectation.error}`);

      const permalink = await permalinkOf(ctx, client, flag.channel, flag.ts);
      const saved = await persistPattern(ctx, {
        problemKey,
        input: flag.text,
        expectation: expectation.value,
        polarity: 'positive',
        notes: '',
        source: 'production',
        sourceChannel: flag.channel,
        sourceTs: flag.ts,
        permalink,
        userId: user,
      });
      // A concurrent Save (or the shortcut) may have saved it first; either way the flag points at that pattern.
      await linkFlagToPattern(ctx.deps.db, flag.id, saved.pattern.id);
      await saved.announce();

      const problem = await getProblem(ctx.deps, saved.problem.key);
      const problemLink = await homeLink(ctx, client, problem.homeChannel, problem.homeTs);
      const receipt = flagSaved({
        problemKey: problem.key,
        problemLink,
        patternId: saved.pattern.id,
        expectation: saved.pattern.expectation,
        savedBy: user,
      });
      if (flag.promptTs) {
        await ctx.poster.update({
          channel: flag.channel,
          ts: flag.promptTs,
          text: receipt.text,
          blocks: receipt.blocks,
        });
      }
      await addReaction(ctx, client, flag.channel, flag.ts);
    } catch (error) {
      await reportFailure(ctx, to, error, 'flag save');
    }
  };
}

async function homeLink(
  ctx: SlackContext,
  client: WebClient,
  channel: string | null,
  ts: string | null,
): Promise<string | null> {
  if (!channel || !ts) return null;
  return permalinkOf(ctx, client, channel, ts);
}

async function addReaction(ctx: SlackContext, client: WebClient, channel: string, ts: string): Promise<void> {
  try {
    await client.reactions.add({ channel, timestamp: ts, name: SAVED_REACTION });
  } catch (error) {
    if (slackErrorCode(error) !== 'already_reacted')
      ctx.log.warn({ err: error, channel, ts }, 'could not add the saved reaction');
  }
}
