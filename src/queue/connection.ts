import { Redis } from 'ioredis';
import type { Config } from '../config.ts';

/**
 * Workers block on Redis and must wait through a reconnect rather than fail a command, which is why
 * BullMQ insists on `maxRetriesPerRequest: null` for them. Producers keep ioredis' finite default so a
 * request made while Redis is down fails after a few retries instead of hanging an HTTP call or a Slack ack.
 */
export function createRedis(url: string, role: 'worker' | 'producer', connectionName?: string): Redis {
  return new Redis(url, {
    // Shows up in CLIENT LIST, so an operator (or a test) can tell whose connection it is.
    ...(connectionName ? { connectionName } : {}),
    maxRetriesPerRequest: role === 'worker' ? null : 20,
    // Keep reconnecting for ever, never faster than every 2 s.
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    lazyConnect: false,
  });
}

/**
 * Every queue key starts with the prefix; the default `{canary}` is a Redis Cluster hash tag, so all of
 * a queue's keys hash to one slot as BullMQ's multi-key scripts require.
 */
export function queuePrefix(config: Pick<Config, 'redis'>): string {
  return config.redis.prefix;
}
