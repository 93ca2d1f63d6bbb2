import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { notifyJobs, serviceDeps, slackPoster } from './compose.ts';
import { type Config, processEndpointSecrets } from './config.ts';
import { type Database, openDatabase } from './db/client.ts';
import { createApi } from './http/api.ts';
import { createLogger, type Logger } from './logger.ts';
import { scheduleDigest } from './notify/index.ts';
import { createMetrics, metricsAuthorised, refuseMetrics } from './observability/metrics.ts';
import { scheduleObservationRetention } from './queue/observation-retention.ts';
import { createQueues, type Queues } from './queue/queues.ts';
import { createScheduler } from './queue/transport.ts';
import { type RunningWorkers, startWorkers } from './queue/workers.ts';
import type { ServiceDeps } from './services/deps.ts';
import { createEvaluationEvents, type EvaluationEvents } from './services/evaluation/events.ts';
import { createSlackApp, SLACK_EVENTS_PATH, type SlackApp } from './slack/app.ts';
import { slackObservationCards } from './slack/web-api/observation-cards.ts';

export interface Canary {
  config: Config;
  log: Logger;
  database: Database;
  queues: Queues;
  deps: ServiceDeps;
  events: EvaluationEvents;
  slack: SlackApp | null;
  workers: RunningWorkers | null;
  server: Server;
  /** http://host:port the server listens on. */
  url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** Where endpoint secrets are looked up by name; by default the variables CANARY_ENDPOINT_SECRETS lists. */
  secrets?: Record<string, string | undefined>;
  /** An already open database (the demo and tests share theirs). */
  database?: Database;
}

/**
 * The composition root: database, queues, services, Slack, REST API, metrics and (unless CANARY_WORKERS=0)
 * workers, all built from one Config. Nothing below this reads the environment or builds its own I/O.
 */
export async function startCanary(config: Config, opts: StartOptions = {}): Promise<Canary> {
  const log = opts.log ?? createLogger(config.logLevel);
  const database =
    opts.database ??
    (await openDatabase({ databaseUrl: config.database.url, dataDir: config.database.dataDir }));
  await database.migrate();

  const queues = createQueues(config);
  const events = createEvaluationEvents();
  const scheduler = createScheduler({ db: database.db, queues, config, log, events });
  const metrics = createMetrics();
  metrics.watchQueues([queues.evaluations, queues.notify]);

  // One poster for listeners and notify jobs alike, on a client that counts the Web API calls that fail.
  const poster = slackPoster(config, log, metrics);
  const deps = {
    ...serviceDeps(config, { db: database.db, log, scheduler }),
    ...(poster ? { cards: slackObservationCards(poster) } : {}),
  };
  const slack = poster ? createSlackApp({ config, deps: { ...deps, poster }, log }) : null;
  if (slack?.mode === 'socket') await slack.start();

  const workers = config.workers.inProcess
    ? await startWorkers({
        config,
        db: database.db,
        log,
        secrets: opts.secrets ?? processEndpointSecrets(config),
        queues,
        events,
        metrics,
        notify: notifyJobs(config, { deps, slack: poster }),
      })
    : null;
  if (config.digest.channel) await scheduleDigest(queues.notify, config.digest);
  await scheduleObservationRetention(queues.notify, config.observations.retentionDays);

  const ping = async () => {
    const [postgres, redis] = await Promise.all([
      database.ping().then(
        () => true,
        () => false,
      ),
      queues.connection.ping().then(
        (r) => r === 'PONG',
        () => false,
      ),
    ]);
    return { postgres, redis };
  };
  const api = getRequestListener(
    createApi({
      ...deps,
      tokens: config.api.tokens,
      adminTokens: config.api.adminTokens,
      ping,
      boardQueues: [queues.evaluations, queues.notify],
    }).fetch,
  );

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === SLACK_EVENTS_PATH && slack) return slack.requestListener(req, res);
    if (path === '/metrics' && req.method === 'GET') {
      if (!metricsAuthorised(req.headers.authorization, config.metrics.token)) return refuseMetrics(res);
      metrics.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
        (err) => {
          log.error({ err }, 'metrics failed');
          res.writeHead(500).end();
        },
      );
      return;
    }
    return api(req, res);
  });
  // How long an idle keep-alive socket stays open after its last response (Node's default is 5 s). Longer
  // than the 60 s idle timeout of common load balancers (an AWS ALB's default), so the proxy
  // closes first and never sends a request down a socket Node is closing, which it would answer with a 502.
  // It has nothing to do with Slack's 3 s ack deadline: that is about how fast a request is answered.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(config.http.port, config.http.host, resolve));
  const { port } = server.address() as AddressInfo;
  const host = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host;
  const url = `http://${host}:${port}`;
  log.info(
    { url, database: database.describe, slack: slack?.mode ?? 'off', workers: Boolean(workers) },
    'canary started',
  );

  let closed = false;
  return {
    config,
    log,
    database,
    queues,
    deps,
    events,
    slack,
    workers,
    server,
    url,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await workers?.close();
      await slack?.stop?.();
      await queues.close();
      if (!opts.database) await database.close();
    },
  };
}
