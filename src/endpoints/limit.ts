/** At most `max` calls of `run` in flight; the rest wait in arrival order. */
export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>;
  readonly active: number;
  readonly pending: number;
}

export function createLimiter(max: number): Limiter {
  if (!Number.isInteger(max) || max < 1)
    throw new RangeError(`concurrency must be a positive integer, got ${max}`);
  let active = 0;
  const waiting: (() => void)[] = [];

  const release = () => {
    const next = waiting.shift();
    // Hand the slot straight to the next waiter so a newcomer cannot jump the queue.
    if (next) next();
    else active--;
  };

  const pass = <T>(value: T): T => {
    release();
    return value;
  };
  const rethrow = (err: unknown): never => {
    release();
    throw err;
  };
  function settle<T>(task: () => Promise<T>): Promise<T> {
    let started: Promise<T>;
    try {
      started = Promise.resolve(task());
    } catch (err) {
      release();
      return Promise.reject(err);
    }
    return started.then(pass, rethrow);
  }

  return {
    get active() {
      return active;
    },
    get pending() {
      return waiting.length;
    },
    // Not an async function: with a free slot the task starts synchronously and the slot is handed back
    // from the task's own settlement, one promise reaction per call instead of an async frame's several.
    run<T>(task: () => Promise<T>): Promise<T> {
      if (active < max) {
        active++;
        return settle(task);
      }
      return new Promise<void>((resolve) => waiting.push(resolve)).then(() => settle(task));
    },
  };
}
