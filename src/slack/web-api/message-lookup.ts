import type { WebClient } from '@slack/web-api';

export interface FetchedMessage {
  ts: string;
  text: string;
  user?: string | undefined;
  bot_id?: string | undefined;
  thread_ts?: string | undefined;
}

/**
 * One message by channel and ts. conversations.history holds top-level messages only, so a reply inside a
 * thread is looked up with conversations.replies (which always returns the thread's parent first).
 */
export async function fetchMessage(
  client: WebClient,
  channel: string,
  ts: string,
): Promise<FetchedMessage | null> {
  const history = await client.conversations.history({ channel, latest: ts, inclusive: true, limit: 1 });
  const top = history.messages?.find((m) => m.ts === ts);
  if (top) return normalise(top);
  const replies = await client.conversations.replies({
    channel,
    ts,
    latest: ts,
    oldest: ts,
    inclusive: true,
    limit: 1,
  });
  const reply = replies.messages?.find((m) => m.ts === ts);
  return reply ? normalise(reply) : null;
}

function normalise(m: {
  ts?: string;
  text?: string;
  user?: string;
  bot_id?: string;
  thread_ts?: string;
}): FetchedMessage {
  return { ts: m.ts as string, text: m.text ?? '', user: m.user, bot_id: m.bot_id, thread_ts: m.thread_ts };
}
