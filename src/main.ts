import { startCanary } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { closeOnSignals } from './shutdown.ts';

/** `npm start`: web (REST API, Slack, health, metrics) and, unless CANARY_WORKERS=0, workers. */
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}
const log = createLogger(config.logLevel);
const canary = await startCanary(config, { log });

closeOnSignals(log, () => canary.close());
