import { Redis } from 'ioredis';

/**
 * Workers block on Redis and must wait through a reconnect rather than fail a command, which is why
 * BullMQ insists on `maxRetriesPerRequest: null` for them. Producers keep ioredis' finite default of 20:
 * ioredis fails the commands queued during an outage every 20th reconnect attempt, which with the
 * strategy below is about 31 s into it (200 ms + 400 ms + … + 2 s, then 2 s apart). So an enqueue made
 * while Redis is down fails within about half a minute instead of waiting for ever: bounded, not fast.
 */
export function createRedis(url: string, role: 'worker' | 'producer', connectionName?: string): Redis {
  return new Redis(url, {
    // Shows up in CLIENT LIST, so an operator (or a test) can tell whose connection it is.
    ...(connectionName ? { connectionName } : {}),
    maxRetriesPerRequest: role === 'worker' ? null : 20,
    // Keep reconnecting for ever: 200 ms more per attempt, never more than 2 s apart (ioredis' own is 50 ms).
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    lazyConnect: false,
  });
}
