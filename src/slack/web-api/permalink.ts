import type { WebClient } from '@slack/web-api';
import type { SlackContext } from '../context.ts';

/** A message's permalink, or null when Slack will not give one (deleted, no access): a link is never essential. */
export async function permalinkOf(
  ctx: SlackContext,
  client: WebClient,
  channel: string,
  ts: string,
): Promise<string | null> {
  try {
    const res = await client.chat.getPermalink({ channel, message_ts: ts });
    return res.permalink ?? null;
  } catch (error) {
    ctx.log.warn({ err: error, channel, ts }, 'no permalink for the message');
    return null;
  }
}

/**
 * The lookup's answer if it comes within ms, else null; the lookup itself goes on, so a caller with more
 * time later can still await it. Keeps a slow Slack from eating an ack's 3-second budget.
 */
export async function within<T>(lookup: Promise<T | null>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([lookup, late]);
  } finally {
    clearTimeout(timer);
  }
}
