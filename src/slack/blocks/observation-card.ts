import type { KnownBlock } from '@slack/types';
import { truncate } from '../../core/text.ts';
import type { ObservationCard } from '../../services/ports.ts';
import { context, LIMITS, mrkdwnSection, safe } from './limits.ts';

function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** What the model was asked and answered, with the invitation to rate it; user text escaped and clipped. */
export function observationCardMessage(card: ObservationCard): { text: string; blocks: KnownBlock[] } {
  const model = safe(card.model, 200);
  return {
    text: truncate(`${card.model} answered: ${asText(card.output)}`, LIMITS.messageText),
    blocks: [
      mrkdwnSection(`*Asked:* ${safe(asText(card.input), 1_200)}`),
      mrkdwnSection(`*\`${model}\` answered:* ${safe(asText(card.output), 1_500)}`),
      context(`Observation #${card.observationId} · react :+1: or :-1: to rate this answer`),
    ],
  };
}
