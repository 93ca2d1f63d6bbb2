import type { KnownBlock } from '@slack/types';
import { ErrorCode, type WebClient } from '@slack/web-api';
import { ChannelBusy, createReservations, currentDeferrableJob, type Reservations } from './pacing.ts';

export interface PostMessage {
  channel: string;
  thread_ts?: string | undefined;
  /** Always set: it is the notification text and what screen readers and old clients show. */
  text: string;
  blocks?: KnownBlock[] | undefined;
}

export interface UpdateMessage {
  channel: string;
  ts: string;
  text: string;
  blocks?: KnownBlock[] | undefined;
}

export interface PngUpload {
  channel: string;
  thread_ts: string;
  filename: string;
  png: Buffer | Uint8Array;
  title: string;
}

export interface SlackPoster {
  post(message: PostMessage): Promise<{ channel: string; ts: string }>;
  update(message: UpdateMessage): Promise<{ channel: string; ts: string }>;
  uploadPng(upload: PngUpload): Promise<{ fileId: string | undefined }>;
}

export interface PacedSlackPoster extends SlackPoster {
  /** Channels with a lane right now: busy ones and those still inside their spacing. */
  laneCount(): number;
}

export interface PosterOptions {
  /** Messages per second per channel; Slack allows about one before it starts answering 429. */
  ratePerSecond: number;
  now?: () => number;
}

/** How many 429s in a row a waiting (non-queue) caller sits out before the call fails. */
const RATE_LIMITED_TRIES = 5;

/**
 * Posts through one FIFO lane per channel, spaced 1/rate apart, so a burst (a back-fill finishing on ten
 * models) neither trips Slack's per-channel limit nor reorders a thread. A failed call does not stall its lane.
 * A 429 that still happens (the client must hand it back: `rejectRateLimitedCalls`) closes only that channel's
 * lane for Slack's Retry-After: a queue job gives its worker slot back and is told to come back then, at the head
 * of the channel's line; any other caller waits in the lane. The WebClient's own wait would pause every channel.
 */
export function createSlackPoster(client: WebClient, opts: PosterOptions): PacedSlackPoster {
  const intervalMs = 1000 / opts.ratePerSecond;
  const now = opts.now ?? Date.now;
  const lanes = new Map<
    string,
    { tail: Promise<unknown>; nextAt: number; pending: number; reservations: Reservations }
  >();

  function paced<T>(channel: string, send: () => Promise<T>): Promise<T> {
    let lane = lanes.get(channel);
    if (!lane) {
      lane = { tail: Promise.resolve(), nextAt: 0, pending: 0, reservations: createReservations() };
      lanes.set(channel, lane);
    }
    const current = lane;
    const job = currentDeferrableJob();
    if (job !== undefined) {
      // A queue job never waits here: it is told when its turn comes and gives its worker slot back meanwhile.
      const until = current.reservations.claim(job, now(), {
        nextAt: current.nextAt,
        busy: current.pending > 0,
        intervalMs,
      });
      if (until !== null) return Promise.reject(new ChannelBusy(channel, until));
    }
    current.pending += 1;
    const result = current.tail.then(async () => {
      for (let limited = 1; ; limited++) {
        const wait = current.nextAt - now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        try {
          return await send();
        } catch (err) {
          const retryMs = rateLimitedMs(err);
          if (retryMs === null) throw err;
          current.nextAt = now() + retryMs;
          if (job !== undefined) {
            const until = current.reservations.claim(job, now(), {
              nextAt: current.nextAt,
              busy: false,
              intervalMs,
            });
            if (until !== null) throw new ChannelBusy(channel, until);
          }
          if (limited >= RATE_LIMITED_TRIES) throw err;
        } finally {
          // Spaced from the answer, not the request: Slack counts arrivals, and a slow call must not bunch the next two.
          current.nextAt = Math.max(current.nextAt, now() + intervalMs);
        }
      }
    });
    current.tail = result.then(
      () => settle(),
      () => settle(),
    );
    function settle(): void {
      current.pending -= 1;
      if (current.pending === 0) dropWhenIdle();
    }
    // An idle lane only remembers when its channel may next be posted to; once that has passed it carries
    // nothing, so it is dropped then. Right after a send it has not passed yet, hence the timer; a send that
    // comes in meanwhile keeps the lane, and its own settle comes back for it.
    function dropWhenIdle(): void {
      if (current.pending > 0 || current.reservations.size() > 0 || lanes.get(channel) !== current) return;
      const wait = current.nextAt - now();
      // Timers may fire a millisecond early, so an early one looks again rather than giving up.
      if (wait > 0) setTimeout(dropWhenIdle, wait).unref();
      else lanes.delete(channel);
    }
    return result;
  }

  return {
    laneCount: () => lanes.size,
    post(message) {
      return paced(message.channel, async () => {
        const res = await client.chat.postMessage({
          channel: message.channel,
          text: message.text,
          ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
          ...(message.blocks ? { blocks: message.blocks } : {}),
          unfurl_links: false,
          unfurl_media: false,
        });
        return { channel: res.channel ?? message.channel, ts: String(res.ts) };
      });
    },
    update(message) {
      return paced(message.channel, async () => {
        const res = await client.chat.update({
          channel: message.channel,
          ts: message.ts,
          text: message.text,
          ...(message.blocks ? { blocks: message.blocks } : {}),
        });
        return { channel: res.channel ?? message.channel, ts: String(res.ts ?? message.ts) };
      });
    },
    uploadPng(upload) {
      return paced(upload.channel, async () => {
        const res = await client.files.uploadV2({
          channel_id: upload.channel,
          thread_ts: upload.thread_ts,
          filename: upload.filename,
          title: upload.title,
          file: Buffer.from(upload.png),
        });
        return { fileId: firstFileId(res) };
      });
    },
  };
}

/** Slack's Retry-After in ms when the call was answered 429, else null. */
function rateLimitedMs(err: unknown): number | null {
  const e = err as { code?: unknown; retryAfter?: unknown } | null;
  return e?.code === ErrorCode.RateLimitedError && typeof e.retryAfter === 'number'
    ? e.retryAfter * 1000
    : null;
}

function firstFileId(res: unknown): string | undefined {
  const files = (res as { files?: { files?: { id?: string }[] }[] }).files;
  return files?.[0]?.files?.[0]?.id;
}
