import { startCanary } from './app.ts';
import { loadConfigOrStop } from './config.ts';
import { createLogger } from './logger.ts';
import { closeOnSignals } from './shutdown.ts';

/** `npm start`: web (REST API, Slack, health, metrics) and, unless CANARY_WORKERS=0, workers. */
const config = loadConfigOrStop();
const log = createLogger(config.logLevel);
const canary = await startCanary(config, { log });

closeOnSignals(log, () => canary.close());
