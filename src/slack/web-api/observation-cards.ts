import type { ObservationCardPoster } from '../../services/ports.ts';
import { observationCardMessage } from '../blocks/observation-card.ts';
import type { SlackPoster } from './post.ts';

/** The card port over the paced poster, so cards queue behind (not around) Canary's other posts to a channel. */
export function slackObservationCards(poster: SlackPoster): ObservationCardPoster {
  return {
    post: (card) =>
      poster.post({
        channel: card.channel,
        ...(card.threadTs ? { thread_ts: card.threadTs } : {}),
        ...observationCardMessage(card),
      }),
  };
}
