import { timingSafeEqual } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Anything with BullMQ's getJobCounts: kept structural so this module needs no queue import. */
interface CountableQueue {
  name: string;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
}

/** The states `canary_queue_jobs` reports: every list or set a BullMQ queue keeps jobs in before they finish. */
export const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'paused',
  'waiting-children',
  'failed',
] as const;

/**
 * Distinct model names one process labels latency with. Names come from whoever registers models, so past
 * this many the rest share one series rather than growing the scrape without bound.
 */
export const MAX_LATENCY_MODELS = 100;
export const OTHER_MODELS = '_other';

export interface CanaryMetrics {
  registry: Registry;
  /** Pattern evaluations committed, by outcome; `rate()` of it is evaluations per second. */
  evaluations: Counter<'status'>;
  /**
   * Seconds per endpoint request, labelled with the model's NAME only: a version per commit (as CI registers)
   * would otherwise add a series set per version for ever. `_count` is requests made.
   */
  endpointLatency: Histogram<'model'>;
  /** The observer for one model's requests; names past MAX_LATENCY_MODELS share the `_other` series. */
  endpointLatencyFor(modelName: string): (seconds: number) => void;
  /** Slack Web API calls that failed after the client's own retries, from the clients Canary builds. */
  slackApiErrors: Counter<'method' | 'error'>;
  /** What model calls cost, by model NAME (as endpointLatency, for the same reason) and role (candidate, grader, embedder). */
  modelRequests: Counter<'model' | 'role'>;
  modelTokens: Counter<'model' | 'role' | 'kind'>;
  modelCostUsd: Counter<'model' | 'role'>;
  /** Grader and embedder answers, by where they came from: `call` (paid) or `cache`. */
  graderAnswers: Counter<'model' | 'source'>;
  /** Queue depth is read from Redis at scrape time, so every replica reports the same global numbers. */
  watchQueues(queues: readonly CountableQueue[]): void;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): CanaryMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'canary_' });

  const watched: CountableQueue[] = [];
  new Gauge({
    name: 'canary_queue_jobs',
    help: `Jobs per queue and state (${QUEUE_STATES.join(', ')})`,
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const q of watched) {
        const counts = await q.getJobCounts(...QUEUE_STATES);
        for (const [state, n] of Object.entries(counts)) this.set({ queue: q.name, state }, n);
      }
    },
  });

  const endpointLatency = new Histogram({
    name: 'canary_endpoint_latency_seconds',
    help: 'Model endpoint latency per model name: one observation per request (a batch of inputs), retries included',
    labelNames: ['model'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const labelled = new Set<string>();

  return {
    registry,
    evaluations: new Counter({
      name: 'canary_pattern_evaluations_total',
      help: 'Pattern evaluations committed, by outcome',
      labelNames: ['status'],
      registers: [registry],
    }),
    endpointLatency,
    endpointLatencyFor(modelName) {
      if (!labelled.has(modelName) && labelled.size < MAX_LATENCY_MODELS) labelled.add(modelName);
      const child = endpointLatency.labels({ model: labelled.has(modelName) ? modelName : OTHER_MODELS });
      return (seconds) => child.observe(seconds);
    },
    slackApiErrors: new Counter({
      name: 'canary_slack_api_errors_total',
      help: 'Slack Web API calls that failed, by method and error code',
      labelNames: ['method', 'error'],
      registers: [registry],
    }),
    modelRequests: new Counter({
      name: 'canary_model_requests_total',
      help: 'Requests sent to model endpoints, retries included, by model and role',
      labelNames: ['model', 'role'],
      registers: [registry],
    }),
    modelTokens: new Counter({
      name: 'canary_model_tokens_total',
      help: 'Tokens reported by model endpoints (OpenAI usage), by model, role and kind (prompt, completion)',
      labelNames: ['model', 'role', 'kind'],
      registers: [registry],
    }),
    modelCostUsd: new Counter({
      name: 'canary_model_cost_usd_total',
      help: 'Money spent on model calls, for models whose options carry a price',
      labelNames: ['model', 'role'],
      registers: [registry],
    }),
    graderAnswers: new Counter({
      name: 'canary_grader_answers_total',
      help: 'Grader and embedder answers by source: call (paid) or cache (reused)',
      labelNames: ['model', 'source'],
      registers: [registry],
    }),
    watchQueues(queues) {
      watched.push(...queues);
    },
  };
}

export interface MetricsServer {
  /** http://host:port/metrics */
  url: string;
  close(): Promise<void>;
}

/**
 * A bare /metrics listener for processes with no HTTP server of their own (worker-only processes), so the
 * counters their jobs increment can be scraped. Anything else gets a 404.
 */
export async function startMetricsServer(
  metrics: Pick<CanaryMetrics, 'registry'>,
  opts: { port: number; host: string; token?: string | undefined },
): Promise<MetricsServer> {
  const { registry } = metrics;
  const server = createServer((req, res) => {
    if ((req.url ?? '/').split('?')[0] !== '/metrics' || req.method !== 'GET') {
      res.writeHead(404).end();
      return;
    }
    if (!metricsAuthorised(req.headers.authorization, opts.token)) {
      refuseMetrics(res);
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * CANARY_METRICS_TOKEN: when set, /metrics answers only `Authorization: Bearer <token>` (Prometheus'
 * `authorization` scrape setting). Queue depths and model names are not for everyone who can reach the port.
 */
export function metricsAuthorised(header: string | undefined, token: string | undefined): boolean {
  if (!token) return true;
  const given = Buffer.from(header ?? '');
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

export function refuseMetrics(res: ServerResponse): void {
  res
    .writeHead(401, { 'www-authenticate': 'Bearer realm="metrics"', 'content-type': 'text/plain' })
    .end('/metrics needs Authorization: Bearer <CANARY_METRICS_TOKEN>\n');
}
