import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { ratingOfReaction } from '../../../core/rating-emoji.ts';
import { withdrawSlackRating } from '../../../services/slack-ratings.ts';
import type { SlackContext } from '../../context.ts';

type Args = SlackEventMiddlewareArgs<'reaction_removed'> & AllMiddlewareArgs;

/** Taking a 👍/👎 back withdraws that rating (and only that one: a later opposite rating stays). */
export function ratingReactionRemoved(ctx: SlackContext) {
  return async ({ event }: Args): Promise<void> => {
    const rating = ratingOfReaction(event.reaction, ctx.settings.ratings);
    if (rating === null || event.item.type !== 'message') return;
    const { channel, ts } = event.item;
    try {
      await withdrawSlackRating(ctx.deps, { channel, ts, rater: event.user, rating });
    } catch (error) {
      ctx.log.error({ err: error, channel, ts }, 'slack rating could not be withdrawn');
    }
  };
}
