import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { evaluations, models } from '../../src/db/schema.ts';
import { createApi } from '../../src/http/api.ts';
import { createQueues, type Queues } from '../../src/queue/queues.ts';
import { createScheduler } from '../../src/queue/transport.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { seedProblem, serviceDeps } from './fixtures.ts';
import { listen } from './server.ts';

/**
 * Redis goes away between start-up and a registration: the real scheduler on a real BullMQ connection that
 * has been closed, so enqueueing fails at once as it does once ioredis gives up on a request.
 */
const TOKEN = 'queue-down-token-0123456789';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let database: TestDatabase;
let queues: Queues;
let server: { url: string; close: () => Promise<void> };

beforeAll(async () => {
  database = await createTestDatabase();
  const config = loadConfig({
    REDIS_URL,
    CANARY_QUEUE_PREFIX: `{canary-t-${randomBytes(5).toString('hex')}}`,
  });
  queues = createQueues(config);
  await queues.connection.ping();
  queues.connection.disconnect();
  const scheduler = createScheduler({ db: database.db, queues, config });
  const deps = serviceDeps(database.db, scheduler);
  // A pattern to evaluate, so registration really has something to enqueue.
  await seedProblem(deps, { title: 'Queue down', threshold: null, count: 1 });
  server = await listen(
    createApi({ ...deps, tokens: [TOKEN], ping: async () => ({ postgres: true, redis: false }) }),
  );
});

afterAll(async () => {
  await server?.close();
  await queues?.close();
  await database?.drop();
});

async function post(path: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const registration = {
  name: 'unqueued',
  version: 'v1',
  endpoint: { adapter: 'http', url: 'http://127.0.0.1:9/predict' },
};

describe('registering a model while the queue is down', () => {
  it('answers 201 with the model, no evaluation id and a warning saying how to queue it later', async () => {
    const res = await post('/api/v1/models', registration);
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      evaluationId: null,
      model: { name: 'unqueued', version: 'v1' },
      warning: expect.stringContaining('POST /api/v1/models/unqueued/v1/evaluate'),
    });
    expect(await database.db.select().from(models)).toHaveLength(1);
    // The evaluation row that could not be queued says why, rather than sitting "queued" for ever.
    const [evaluation] = await database.db.select().from(evaluations);
    expect(evaluation).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/could not be queued/),
    });
  });

  it('answers 503 (not 500) when asked to evaluate while the queue is still down', async () => {
    const res = await post('/api/v1/models/unqueued/v1/evaluate');
    expect(res.status).toBe(503);
    expect(res.json).toMatchObject({ error: { code: 'queue_unavailable' } });
  });

  it('a retried registration is a plain 409, the model being there already', async () => {
    const res = await post('/api/v1/models', registration);
    expect(res.status).toBe(409);
  });
});
