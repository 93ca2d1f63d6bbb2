import type { RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { escapeSlack } from '../../core/text.ts';
import type { SlackMessageContent } from '../blocks/problem-card.ts';
import { sentence } from '../blocks/problem-list.ts';
import type { SlackContext } from '../context.ts';
import { isExpectedError, userMessageFor } from '../errors.ts';

export interface ReplyTarget {
  respond?: RespondFn | undefined;
  client: WebClient;
  channel: string | undefined;
  user: string;
  threadTs?: string | undefined;
}

/**
 * Tells only the person who asked. response_url works even where the bot is not a member, so it is
 * preferred; without one (modals, events) chat.postEphemeral, and failing that a DM.
 */
export async function replyEphemeral(
  ctx: SlackContext,
  to: ReplyTarget,
  content: SlackMessageContent | string,
): Promise<void> {
  const message = typeof content === 'string' ? sentence(content) : content;
  try {
    if (to.respond) {
      await to.respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: message.text,
        blocks: message.blocks,
      });
      return;
    }
    if (to.channel) {
      await to.client.chat.postEphemeral({
        channel: to.channel,
        user: to.user,
        text: message.text,
        blocks: message.blocks,
        ...(to.threadTs ? { thread_ts: to.threadTs } : {}),
      });
      return;
    }
  } catch (error) {
    ctx.log.warn({ err: error, user: to.user }, 'ephemeral reply failed; sending a DM instead');
  }
  try {
    await to.client.chat.postMessage({ channel: to.user, text: message.text, blocks: message.blocks });
  } catch (error) {
    ctx.log.error({ err: error, user: to.user }, 'could not reach the user at all');
  }
}

/** Turns a failure into the one sentence the user sees; unexpected ones are logged with their stack. */
export async function reportFailure(
  ctx: SlackContext,
  to: ReplyTarget,
  error: unknown,
  what: string,
): Promise<void> {
  if (isExpectedError(error)) ctx.log.info({ err: error, user: to.user }, `${what} refused`);
  else ctx.log.error({ err: error, user: to.user }, `${what} failed`);
  await replyEphemeral(ctx, to, `:warning: ${escapeSlack(userMessageFor(error))}`);
}
