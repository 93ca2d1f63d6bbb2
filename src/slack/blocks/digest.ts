import type { KnownBlock } from '@slack/types';
import type { Digest } from '../../core/digest.ts';
import { escapeSlack, truncate } from '../../core/text.ts';
import { context, header, LIMITS, mrkdwnSection } from './limits.ts';
import { imageBlock, type MessageContent } from './result-text.ts';

/**
 * The daily digest as a Slack message. A quiet day is one line and nothing else; otherwise a header, the
 * headline, one section per non-empty list and chart 1. Lines carry user text (flagged messages), so they are
 * escaped here.
 */
export function digestMessage(digest: Digest, chartUrl?: string): MessageContent {
  const headline = escapeSlack(digest.headline);
  if (digest.quiet) {
    return {
      text: truncate(digest.headline, LIMITS.messageText),
      blocks: [mrkdwnSection(`:sunny: ${headline}`)],
    };
  }
  const blocks: KnownBlock[] = [header('Canary daily digest'), mrkdwnSection(headline)];
  for (const section of digest.sections) {
    const lines = section.lines.map((line) => `• ${escapeSlack(line)}`);
    blocks.push(mrkdwnSection(`*${escapeSlack(section.title)}*\n${lines.join('\n')}`));
  }
  if (chartUrl)
    blocks.push(
      imageBlock(chartUrl, 'Pass rate per problem across candidate models', 'Problems over models'),
    );
  else blocks.push(context('Chart: pass rate per problem across candidate models, in the thread.'));
  return { text: truncate(`Canary digest: ${digest.headline}`, LIMITS.messageText), blocks };
}
