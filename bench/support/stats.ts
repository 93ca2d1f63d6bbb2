import { performance } from 'node:perf_hooks';

/** Nearest-rank percentile (q in [0, 1]), rounded to 0.01. */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return round(sorted[index] ?? Number.NaN);
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** a ÷ b, or null when either side is missing or b is zero (an ideal at 0 ms latency is unbounded). */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return null;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return null;
  return round(a / b, 3);
}

/**
 * A fixed CPU task timed now. The machine is shared: a figure divided by this one moves less with the
 * neighbours than the raw milliseconds do, so every section records it beside its own numbers.
 */
export function cpuUnitMs(): number {
  const samples: number[] = [];
  for (let k = 0; k < 5; k++) {
    const start = performance.now();
    let acc = 0;
    const doc = { id: 1, text: 'the food was not bad at all', tags: ['a', 'b', 'c'], score: 0.5 };
    for (let i = 0; i < 20_000; i++) acc += JSON.parse(JSON.stringify({ ...doc, id: i })).id;
    if (acc < 0) throw new Error('unreachable');
    samples.push(performance.now() - start);
  }
  return percentile(samples, 0.5);
}

export async function timeIt<T>(task: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await task();
  return { ms: performance.now() - start, value };
}

/** Polls until `check` returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
