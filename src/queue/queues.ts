import { FlowProducer, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import { createRedis } from './connection.ts';
import { QUEUE_NAMES, type QueueSet } from './jobs.ts';

/** The producer side: both queues and the flow producer share one connection. */
export interface Queues extends QueueSet {
  flow: FlowProducer;
  prefix: string;
  connection: Redis;
  close(): Promise<void>;
}

/** `onError` hears connection trouble (ioredis reconnects by itself); without a listener Node would crash. */
export function createQueues(
  config: Pick<Config, 'redis'>,
  onError: (err: Error) => void = () => {},
): Queues {
  const connection = createRedis(config.redis.url, 'producer');
  const prefix = config.redis.prefix;
  const evaluations = new Queue(QUEUE_NAMES.evaluations, { connection, prefix });
  const notify = new Queue(QUEUE_NAMES.notify, { connection, prefix });
  const flow = new FlowProducer({ connection, prefix });
  evaluations.on('error', onError);
  notify.on('error', onError);
  flow.on('error', onError);
  return {
    evaluations,
    notify,
    flow,
    prefix,
    connection,
    async close() {
      await Promise.allSettled([evaluations.close(), notify.close(), flow.close()]);
      // A shared connection passed in is not closed by BullMQ.
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
