import type { WebClient } from '@slack/web-api';
import type { MessageDetails } from '../../services/slack-ratings.ts';
import type { SlackContext } from '../context.ts';
import { slackErrorCode } from '../errors.ts';
import { fetchMessage } from './message-lookup.ts';

/**
 * The rated message's text, the question it answered (its thread parent, when it is a reply) and who sent
 * it. Null when Slack will not show it (private channel, deleted): the rating is still kept, unattributed.
 */
export async function readRatedMessage(
  ctx: SlackContext,
  client: WebClient,
  channel: string,
  ts: string,
): Promise<MessageDetails | null> {
  try {
    const message = await fetchMessage(client, channel, ts);
    if (!message) return null;
    let parentText: string | null = null;
    if (message.thread_ts && message.thread_ts !== message.ts) {
      parentText = (await fetchMessage(client, channel, message.thread_ts))?.text ?? null;
    }
    const senders = [message.bot_id, message.user].filter((s): s is string => typeof s === 'string');
    return { text: message.text, parentText, senders };
  } catch (error) {
    ctx.log.warn({ err: error, code: slackErrorCode(error), channel, ts }, 'rated message could not be read');
    return null;
  }
}
