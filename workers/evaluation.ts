import { setPriority } from 'node:os';
import { notifyJobs, serviceDeps, slackPoster } from '../src/compose.ts';
import { loadConfigOrStop, processEndpointSecrets, stopOnBadSetting } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';
import { createLogger } from '../src/logger.ts';
import { createMetrics, startMetricsServer } from '../src/observability/metrics.ts';
import { createQueues } from '../src/queue/queues.ts';
import { createScheduler } from '../src/queue/transport.ts';
import { startWorkers } from '../src/queue/workers.ts';
import { closeOnSignals } from '../src/shutdown.ts';

/**
 * `npm run worker`: a process that runs queued jobs (evaluations, and Slack notifications when a bot token
 * is configured) so the app can run with CANARY_WORKERS=0. SIGTERM/SIGINT stop it taking jobs, let the jobs
 * in flight finish, then close Redis and the database; a second signal exits at once.
 */
const config = loadConfigOrStop();
const log = createLogger(config.logLevel, 'canary-worker');

if (!config.database.url) {
  stopOnBadSetting(
    'Invalid configuration: a separate worker process needs DATABASE_URL (the embedded database belongs to one process); run workers in-process (CANARY_WORKERS=1) instead.',
  );
}

// Below the web process on a shared machine: Slack acks wait for no batch. Raising it again needs privileges.
try {
  setPriority(config.workers.nice);
} catch (err) {
  log.warn({ err, nice: config.workers.nice }, 'could not lower the worker priority');
}

const database = await openDatabase({ databaseUrl: config.database.url, dataDir: config.database.dataDir });
await database.migrate();
const queues = createQueues(config);
const scheduler = createScheduler({ db: database.db, queues, config, log });
const deps = serviceDeps(config, { db: database.db, log, scheduler });
// Queue depth is global and reported by the web process; a worker reports what it did itself.
const metrics = createMetrics();
const metricsServer =
  config.metrics.port === undefined
    ? null
    : await startMetricsServer(metrics, {
        port: config.metrics.port,
        host: config.http.host,
        token: config.metrics.token,
      });
const workers = await startWorkers({
  config,
  db: database.db,
  log,
  secrets: processEndpointSecrets(config),
  queues,
  metrics,
  notify: notifyJobs(config, { deps, slack: slackPoster(config, log, metrics) }),
});

closeOnSignals(log, async () => {
  await workers.close();
  await metricsServer?.close();
  await queues.close();
  await database.close();
});
