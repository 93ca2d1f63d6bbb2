import { loadConfigOrStop } from '../config.ts';
import { createLogger } from '../logger.ts';
import { startModelServer } from '../modelserver/index.ts';
import { demoRedis, RedisUnavailable } from './redis.ts';
import { runDemo } from './run.ts';

/**
 * `npm run demo`: Canary end to end on embedded defaults. Logs go to stdout as JSON only at warn and above,
 * so the table stays readable; progress goes to stderr.
 */
async function main(): Promise<number> {
  // The demo's web side listens on a free port: it must not collide with a Canary already running on PORT.
  // Its model server listens on loopback, which Canary refuses as an endpoint unless allow-listed.
  let config = loadConfigOrStop({
    LOG_LEVEL: 'warn',
    CANARY_ENDPOINT_ALLOWLIST: '127.0.0.1',
    ...process.env,
    PORT: '0',
  });
  const redis = await demoRedis({
    url: config.redis.url,
    explicit: config.redis.explicit,
    path: process.env.PATH,
  });
  if (redis.private)
    process.stderr.write(`Started a private redis-server at ${redis.url} (stopped when the demo ends)\n`);
  config = { ...config, redis: { ...config.redis, url: redis.url } };
  const models = await startModelServer({ port: 0, host: '127.0.0.1' });
  const started = Date.now();
  try {
    const result = await runDemo(config, {
      log: createLogger(config.logLevel),
      progress: process.stderr,
      modelServerUrl: models.url,
    });
    process.stderr.write(
      `Done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${result.rows.length} problems × ${result.models.length} models; the late pattern was back-filled on ${result.backfilled.models.join(', ') || 'no model'}.\n`,
    );
    return 0;
  } finally {
    await models.close();
    await redis.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof RedisUnavailable) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`Demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
