import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { ratingOfReaction } from '../../../core/rating-emoji.ts';
import { rateSlackMessage } from '../../../services/slack-ratings.ts';
import type { SlackContext } from '../../context.ts';
import { readRatedMessage } from '../../web-api/rated-message.ts';

type Args = SlackEventMiddlewareArgs<'reaction_added'> & AllMiddlewareArgs;

/**
 * 👍/👎 on a message is that person's rating of it (the latest one counts). Bolt runs every listener
 * registered for an event, so this sits beside the flag listener without either knowing of the other.
 */
export function ratingReactionAdded(ctx: SlackContext) {
  return async ({ event, client, context }: Args): Promise<void> => {
    const rating = ratingOfReaction(event.reaction, ctx.settings.ratings);
    if (rating === null || event.item.type !== 'message') return;
    if (context.botUserId && event.user === context.botUserId) return;
    const { channel, ts } = event.item;
    try {
      const outcome = await rateSlackMessage(
        ctx.deps,
        { channel, ts, rater: event.user, rating },
        {
          ratedBots: ctx.settings.ratings.ratedBots,
          details: () => readRatedMessage(ctx, client, channel, ts),
          isOwnMessage: (d) =>
            d.senders.some((s) => s === context.botUserId || (context.botId && s === context.botId)),
        },
      );
      ctx.log.debug({ channel, ts, rating, outcome }, 'slack rating');
    } catch (error) {
      ctx.log.error({ err: error, channel, ts }, 'slack rating could not be recorded');
    }
  };
}
