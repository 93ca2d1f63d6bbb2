import { describe, expect, it } from 'vitest';
import { createLimiter } from '../../src/endpoints/limit.ts';
import { labelFinder } from '../../src/endpoints/openai.ts';
import { readPath } from '../../src/endpoints/predictions.ts';
import { type AttemptResult, withRetry } from '../../src/endpoints/retry.ts';
import { parseRetryAfter } from '../../src/endpoints/runner.ts';

describe('withRetry', () => {
  const failing = (retryable: boolean) => async (): Promise<AttemptResult<number>> => ({
    ok: false,
    error: 'nope',
    retryable,
  });

  it.each([
    [0, 1],
    [3, 4],
  ])('with %i retries makes %i attempts on retryable failures', async (retries, attempts) => {
    expect(await withRetry(failing(true), { retries, backoffMs: 0 })).toEqual({
      ok: false,
      error: 'nope',
      attempts,
    });
  });

  it('stops at the first non-retryable failure', async () => {
    expect(await withRetry(failing(false), { retries: 5, backoffMs: 0 })).toMatchObject({ attempts: 1 });
  });

  it('returns the value and the attempt it took', async () => {
    const result = await withRetry(
      async (n) => (n < 3 ? { ok: false, error: 'x', retryable: true } : { ok: true, value: n * 10 }),
      { retries: 5, backoffMs: 1 },
    );
    expect(result).toEqual({ ok: true, value: 30, attempts: 3 });
  });

  it('waits a full-jitter share of an exponentially growing ceiling', async () => {
    const draws: number[] = [];
    const started: number[] = [];
    await withRetry(
      async () => {
        started.push(performance.now());
        return { ok: false, error: 'x', retryable: true };
      },
      {
        retries: 3,
        backoffMs: 20,
        random: () => {
          draws.push(1);
          return 1;
        },
      },
    );
    const gaps = started.slice(1).map((t, i) => t - started[i]!);
    expect(draws).toHaveLength(3);
    // Ceilings 20, 40, 80 ms with random() = 1; timers may fire a little late, never early.
    for (const [i, ceiling] of [20, 40, 80].entries()) expect(gaps[i]).toBeGreaterThanOrEqual(ceiling - 2);
  });
});

describe('withRetry and Retry-After', () => {
  it('waits what the server asked instead of a jittered share', async () => {
    const started: number[] = [];
    const result = await withRetry(
      async (n) => {
        started.push(performance.now());
        return n < 2 ? { ok: false, error: 'x', retryable: true, retryAfterMs: 60 } : { ok: true, value: n };
      },
      { retries: 3, backoffMs: 1, random: () => 0 },
    );
    expect(result).toEqual({ ok: true, value: 2, attempts: 2 });
    expect(started[1]! - started[0]!).toBeGreaterThanOrEqual(58);
  });

  it('never waits longer than the backoff cap, whatever the server asks', async () => {
    const started = performance.now();
    const result = await withRetry(
      async () => ({ ok: false, error: 'x', retryable: true, retryAfterMs: 3_600_000 }),
      { retries: 1, backoffMs: 1, maxBackoffMs: 30 },
    );
    expect(result).toMatchObject({ ok: false, attempts: 2 });
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-26T10:00:00Z');
  it.each([
    ['delay-seconds', '120', 120_000],
    ['zero', '0', 0],
    ['padded', ' 5 ', 5_000],
    ['an HTTP-date', 'Thu, 26 Nov 2026 10:00:30 GMT', 30_000],
    ['a date in the past', 'Thu, 26 Nov 2026 09:00:00 GMT', 0],
    ['garbage', 'soon', undefined],
    ['a negative number', '-5', undefined],
    ['a fraction', '1.5', undefined],
    ['absent', undefined, undefined],
  ])('%s', (_name, header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });
});

describe('createLimiter', () => {
  it('runs at most max tasks at once and all of them eventually', async () => {
    const limiter = createLimiter(3);
    let active = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const tasks = Array.from({ length: 10 }, (_, i) =>
      limiter.run(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise<void>((r) => gates.push(r));
        active--;
        return i;
      }),
    );
    while (limiter.active > 0 || limiter.pending > 0) {
      await new Promise((r) => setImmediate(r));
      expect(active).toBeLessThanOrEqual(3);
      for (const open of gates.splice(0)) open();
    }
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak).toBe(3);
  });

  it('releases the slot when a task throws', async () => {
    const limiter = createLimiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run(async () => 'next')).toBe('next');
  });
});

describe('readPath', () => {
  const doc = { result: { label: 'x', 'a/b': 1 }, results: [{ label: 'y' }] };
  it.each([
    ['/result/label', 'x'],
    ['result.label', 'x'],
    ['/results/0/label', 'y'],
    ['results.0.label', 'y'],
    ['/result/a~1b', 1],
    ['/missing/label', undefined],
    ['results.5.label', undefined],
  ])('%s', (path, value) => expect(readPath(doc, path)).toEqual(value));
});

describe('labelFinder', () => {
  const find = labelFinder({ labels: ['positive', 'negative', 'neutral'], labelMap: { pos: 'positive' } });
  it.each([
    ['Positive.', 'positive'],
    ['The sentiment is NEGATIVE, not positive', 'negative'],
    ['pos', 'positive'],
    ['positively unclear', undefined],
    ['no idea', undefined],
  ])('%j → %s', (reply, label) => expect(find(reply)).toBe(label));

  it('uses the trimmed reply when no labels are configured', () => {
    expect(labelFinder({})('  maybe \n')).toBe('maybe');
  });
});
