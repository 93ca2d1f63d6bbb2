/**
 * Runs tasks with the same key one after another within this process, so a progress update for a run can
 * never land after (and overwrite) the finished summary of the same run handled by this worker.
 */
export function createKeyedSerializer() {
  const tails = new Map<string, Promise<unknown>>();
  return async function serial<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = tails.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}
