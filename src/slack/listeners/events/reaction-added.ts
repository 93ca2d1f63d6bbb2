import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { claimFlag, releaseFlag, setFlagPrompt } from '../../../db/queries/slack.ts';
import { flagPrompt } from '../../blocks/flag.ts';
import type { SlackContext } from '../../context.ts';
import { slackErrorCode } from '../../errors.ts';
import { hasOpenProblems } from '../../journeys/problem-data.ts';
import { fetchMessage } from '../../web-api/message-lookup.ts';

type Args = SlackEventMiddlewareArgs<'reaction_added'> & AllMiddlewareArgs;

/**
 * The flag emoji on a message asks, in that message's thread, which problem it shows and what was expected.
 * The flags row (unique on channel+ts) is claimed before posting, so however many people react, or however
 * often, there is one prompt.
 */
export function reactionAdded(ctx: SlackContext) {
  return async ({ event, client, context }: Args): Promise<void> => {
    if (event.reaction !== ctx.settings.flagEmoji || event.item.type !== 'message') return;
    const { channel, ts } = event.item;
    // Canary's own posts (prompts, cards) are not production outputs.
    if (context.botUserId && event.item_user === context.botUserId) return;
    let message: Awaited<ReturnType<typeof fetchMessage>>;
    try {
      message = await fetchMessage(client, channel, ts);
    } catch (error) {
      ctx.log.warn(
        { err: error, code: slackErrorCode(error), channel, ts },
        'flagged message could not be read',
      );
      return;
    }
    if (!message) {
      ctx.log.info({ channel, ts }, 'flagged message not found');
      return;
    }
    const { flag, created } = await claimFlag(ctx.deps.db, {
      channel,
      ts,
      text: message.text,
      flaggedBy: event.user,
    });
    if (!created) return;
    try {
      const prompt = flagPrompt({
        flagId: flag.id,
        flaggedBy: event.user,
        text: message.text,
        hasOpenProblems: await hasOpenProblems(ctx.deps),
      });
      const posted = await ctx.poster.post({
        channel,
        thread_ts: message.thread_ts ?? message.ts,
        text: prompt.text,
        blocks: prompt.blocks,
      });
      await setFlagPrompt(ctx.deps.db, flag.id, posted.ts);
    } catch (error) {
      await releaseFlag(ctx.deps.db, flag.id);
      ctx.log.error({ err: error, channel, ts }, 'flag prompt could not be posted');
    }
  };
}
