import { randomBytes } from 'node:crypto';
import { type Canary, startCanary } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { type ModelServer, startModelServer } from '../../src/modelserver/index.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { type SlackApi, startSlackApi } from './slack-api/index.ts';

/** The whole app from its composition root, with everything it talks to started for it. */
export interface TestCanary {
  canary: Canary;
  db: TestDatabase;
  slackApi: SlackApi;
  models: ModelServer;
  /** Closes Canary, then its queues, model server, Slack double and database, whatever got started. */
  close(): Promise<void>;
}

export interface TestCanaryOptions {
  /**
   * Environment on top of the shared one (database, port 0, silent logs, random queue prefix, Slack double);
   * a function when it needs the double's tokens.
   */
  env?: Record<string, string> | ((slackApi: SlackApi) => Record<string, string>);
  /** Channels and users the double must know before Canary connects to it. */
  setUpSlack?(slackApi: SlackApi): void;
}

/** startCanary over a test database, a fresh queue prefix, the model server and the Slack double. */
export async function startTestCanary(opts: TestCanaryOptions = {}): Promise<TestCanary> {
  const closers: (() => Promise<unknown>)[] = [];
  // Last started, first closed; on a failed start only what did start is closed.
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer();
  };
  try {
    const db = await createTestDatabase();
    closers.push(() => db.drop());
    const slackApi = await startSlackApi();
    closers.push(() => slackApi.close());
    opts.setUpSlack?.(slackApi);
    const models = await startModelServer({ port: 0 });
    closers.push(() => models.close());
    const config = loadConfig({
      DATABASE_URL: db.url,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      CANARY_QUEUE_PREFIX: `{t-${randomBytes(4).toString('hex')}}`,
      SLACK_BOT_TOKEN: slackApi.botToken,
      SLACK_API_URL: slackApi.url,
      CANARY_SLACK_RATE_PER_SEC: '50',
      CANARY_ENDPOINT_ALLOWLIST: '127.0.0.1',
      ...(typeof opts.env === 'function' ? opts.env(slackApi) : opts.env),
    });
    const canary = await startCanary(config, { log: createLogger('silent'), database: db });
    closers.push(async () => {
      // Workers stop first, then this run's keys go while the queues' connection is still open.
      await canary.workers?.close();
      await canary.queues.evaluations.obliterate({ force: true }).catch(() => {});
      await canary.queues.notify.obliterate({ force: true }).catch(() => {});
      await canary.close();
    });
    return { canary, db, slackApi, models, close };
  } catch (err) {
    await close();
    throw err;
  }
}
