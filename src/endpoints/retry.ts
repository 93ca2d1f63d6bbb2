import type { Result } from '../core/result.ts';

/** One attempt's outcome; `retryable` says whether trying again could help (timeouts, 5xx, resets). */
export type AttemptResult<T> =
  | { ok: true; value: T }
  /** `retryAfterMs`: the server said when to come back (Retry-After); it replaces the jittered wait. */
  | { ok: false; error: string; retryable: boolean; retryAfterMs?: number | undefined };

export type RetryResult<T> = Result<T> & { attempts: number };

export interface RetryOptions {
  /** Extra attempts after the first. */
  retries: number;
  /** Base of the exponential backoff; attempt k waits a uniform random time in [0, backoffMs · 2^(k-1)]. */
  backoffMs: number;
  maxBackoffMs?: number;
  signal?: AbortSignal;
  random?: () => number;
}

/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff and Jitter"): spreading
 * retries uniformly keeps many clients that failed together from retrying together. Never throws for a
 * failed attempt; stops early on a non-retryable failure or when the signal aborts.
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<AttemptResult<T>>,
  opts: RetryOptions,
): Promise<RetryResult<T>> {
  const random = opts.random ?? Math.random;
  const maxBackoff = opts.maxBackoffMs ?? 30_000;
  for (let n = 1; ; n++) {
    const result = await attempt(n);
    if (result.ok) return { ok: true, value: result.value, attempts: n };
    if (!result.retryable || n > opts.retries || opts.signal?.aborted)
      return { ok: false, error: result.error, attempts: n };
    // A server's Retry-After is honoured, but never past our own cap: a hostile or confused "come back in a
    // day" must not park a batch for longer than any backoff would.
    const wait =
      result.retryAfterMs === undefined
        ? random() * Math.min(maxBackoff, opts.backoffMs * 2 ** (n - 1))
        : Math.min(maxBackoff, result.retryAfterMs);
    await sleep(wait, opts.signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
